using Microsoft.Extensions.DependencyInjection;
using System.Security.Cryptography;
using System.Text;
using Grains.Interfaces.Sessions;

namespace Grains.Sessions;

public sealed class SessionGrain(
    [PersistentState("session", StorageNames.Sessions)] IPersistentState<SessionState> session,
    [FromKeyedServices(DomainClock.ServiceKey)] TimeProvider time,
    IChangeFeed changes) : Grain, ISessionGrain
{
    /// <summary>How many rotated-away refresh tokens are remembered for reuse detection.</summary>
    public const int RetiredTokensKept = 32;

    /// <summary>
    /// Activity is kept in memory and written at most this often, so the per-request check never
    /// waits on storage; after a silo loss the idle clock is at most this much behind.
    /// </summary>
    private static readonly TimeSpan LastSeenWriteInterval = TimeSpan.FromMinutes(1);

    private Guid Id => this.GetPrimaryKey();

    public async Task<bool> Start(StartSession command)
    {
        if (session.State.Started)
        {
            return false;
        }

        var now = time.GetUtcNow();
        session.State = new SessionState
        {
            UserId = command.UserId,
            RefreshTokenHash = command.RefreshTokenHash,
            CreatedAt = now,
            LastSeenAt = now,
            ExpiresAt = now + command.AbsoluteLifetime,
            IdleTimeout = command.IdleTimeout,
            UserAgent = command.UserAgent,
            IpAddress = command.IpAddress,
        };
        await session.WriteStateAsync();
        await UserSessions().Add(Id);
        GrainMetrics.SessionsStarted.Add(1);
        return true;
    }

    public async Task<SessionCheck> Check()
    {
        var now = time.GetUtcNow();
        if (!session.State.IsLiveAt(now))
        {
            return SessionCheck.Inactive;
        }

        var persistedLastSeen = session.State.LastSeenAt;
        session.State.LastSeenAt = now;
        if (now - persistedLastSeen >= LastSeenWriteInterval)
        {
            await session.WriteStateAsync();
        }

        return new SessionCheck(true, session.State.UserId, session.State.EndsAt);
    }

    public async Task<RefreshResult> Refresh(string presentedHash, string replacementHash)
    {
        var state = session.State;
        var now = time.GetUtcNow();
        if (!state.IsLiveAt(now))
        {
            return new RefreshResult(RefreshStatus.Rejected);
        }

        if (!HashEquals(presentedHash, state.RefreshTokenHash))
        {
            if (!state.RetiredTokenHashes.Any(retired => HashEquals(presentedHash, retired)))
            {
                return new RefreshResult(RefreshStatus.Rejected);
            }

            // A rotated token came back: either the client or a thief holds a copy. End the session for both.
            await Revoke();
            return new RefreshResult(RefreshStatus.ReuseDetected, state.UserId);
        }

        state.RetiredTokenHashes.Add(state.RefreshTokenHash);
        if (state.RetiredTokenHashes.Count > RetiredTokensKept)
        {
            state.RetiredTokenHashes.RemoveAt(0);
        }

        state.RefreshTokenHash = replacementHash;
        state.LastSeenAt = now;
        await session.WriteStateAsync();
        return new RefreshResult(RefreshStatus.Rotated, state.UserId);
    }

    public async Task Revoke()
    {
        if (await MarkRevoked())
        {
            await UserSessions().Remove(Id);
        }
    }

    public Task RevokeFromUserList() => MarkRevoked();

    public async Task<bool> RevokeByRefreshToken(string presentedHash)
    {
        var state = session.State;
        if (!state.IsLiveAt(time.GetUtcNow())
            || !(HashEquals(presentedHash, state.RefreshTokenHash) || state.RetiredTokenHashes.Any(retired => HashEquals(presentedHash, retired))))
        {
            return false;
        }

        await Revoke();
        return true;
    }

    public Task<SessionInfo?> GetInfo()
    {
        var s = session.State;
        var info = s.IsLiveAt(time.GetUtcNow())
            ? new SessionInfo(Id, s.UserId, s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.UserAgent, s.IpAddress)
            : null;
        return Task.FromResult(info);
    }

    private async Task<bool> MarkRevoked()
    {
        if (!session.State.Started || session.State.Revoked)
        {
            return false;
        }

        session.State.Revoked = true;
        session.State.RefreshTokenHash = "";
        await session.WriteStateAsync();
        GrainMetrics.SessionsRevoked.Add(1);
        await changes.SessionEnded(Id);
        return true;
    }

    private IUserSessionsGrain UserSessions() => GrainFactory.GetGrain<IUserSessionsGrain>(session.State.UserId);

    private static bool HashEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));
}
