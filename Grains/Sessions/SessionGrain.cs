using Microsoft.Extensions.DependencyInjection;
using Grains.Interfaces.Sessions;
using Grains.Interfaces.Users;

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

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // In memory only: the session's next write stores it in the compact format.
        session.State.UpgradeLegacyHashes();
        return Task.CompletedTask;
    }

    public async Task<bool> Start(StartSession command)
    {
        if (session.State.Started)
        {
            return false;
        }

        var now = time.GetUtcNow();
        var fresh = new SessionState
        {
            UserId = command.UserId,
            RefreshToken = RefreshTokenFingerprint.Of(command.RefreshTokenHash),
            CreatedAt = now,
            LastSeenAt = now,
            ExpiresAt = now + command.AbsoluteLifetime,
            IdleTimeout = command.IdleTimeout,
            UserAgent = command.UserAgent,
            IpAddress = command.IpAddress,
            CredentialVersion = command.CredentialVersion,
        };
        await Store(fresh);
        await UserSessions().Add(Id);
        GrainMetrics.SessionsStarted.Add(1);
        return true;
    }

    // In the silo rather than from the front end: one call fewer from the front end per login.
    public async Task<UserView?> Open(StartSession command)
    {
        if (!await Start(command))
        {
            throw new InvalidOperationException("A fresh session id was already in use.");
        }

        // Asked only now that the session is in the user's list: a password change, email change or deactivation
        // either happened before (refused here) or will find and revoke this session.
        var user = await GrainFactory.GetGrain<IUserGrain>(command.UserId).ConfirmLogin(command.CredentialVersion);
        if (user is null)
        {
            await Revoke();
        }

        return user;
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

        if (!state.IsCurrentToken(presentedHash))
        {
            if (!state.IsRetiredToken(presentedHash))
            {
                return new RefreshResult(RefreshStatus.Rejected);
            }

            // A rotated token came back: either the client or a thief holds a copy. End the session for both.
            await Revoke();
            return new RefreshResult(RefreshStatus.ReuseDetected, state.UserId);
        }

        // On a copy: were the old token retired in memory while the write failed, the client's retry with it
        // would look like reuse and end the session.
        var rotated = state.Rotated(replacementHash, RetiredTokensKept);
        rotated.LastSeenAt = now;
        await Store(rotated);
        return new RefreshResult(RefreshStatus.Rotated, state.UserId);
    }

    public async Task Revoke()
    {
        if (!session.State.Started)
        {
            return;
        }

        await StoreRevocation();
        // One-way: the list may be calling this session right now (logout-all), and must not wait on it.
        UserSessions().Forget(Id).Ignore();
    }

    public Task RevokeFromUserList() => StoreRevocation();

    public async Task<bool> RevokeByRefreshToken(string presentedHash)
    {
        var state = session.State;
        if (!state.IsLiveAt(time.GetUtcNow())
            || !(state.IsCurrentToken(presentedHash) || state.IsRetiredToken(presentedHash)))
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

    /// <summary>
    /// Stores the revocation, then tells the front ends. The state changes only once the store took it, and the
    /// announcement is repeated on every call, so a retry after any failure really revokes and really announces.
    /// </summary>
    private async Task StoreRevocation()
    {
        if (!session.State.Started)
        {
            return;
        }

        if (!session.State.Revoked)
        {
            var revoked = session.State.Copy();
            revoked.Revoked = true;
            // Neither is read again: a revoked session rejects every token before comparing.
            revoked.RefreshToken = [];
            revoked.RetiredTokens = [];
            await Store(revoked);
            GrainMetrics.SessionsRevoked.Add(1);
        }

        await changes.SessionEnded(Id);
    }

    /// <summary>Writes <paramref name="next"/>; the grain holds it only once the store accepted it.</summary>
    private async Task Store(SessionState next)
    {
        var current = session.State;
        session.State = next;
        try
        {
            await session.WriteStateAsync();
        }
        catch
        {
            session.State = current;
            throw;
        }
    }

    private UserSessionList UserSessions() => GrainFactory.UserSessions(session.State.UserId);
}
