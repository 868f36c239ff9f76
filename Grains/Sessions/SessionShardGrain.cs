using Grains.Interfaces.Sessions;
using Grains.Interfaces.Users;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Storage;

namespace Grains.Sessions;

/// <summary>
/// The login sessions mapped to this shard, as records (<see cref="RecordShard{TState}"/>) stored where and as the
/// former per-session grain stored them ("session/{sessionId}", state "session"): a session costs its state in
/// memory, not an activation. Each session's operations run one at a time and in order, as on a grain of its own.
/// </summary>
/// <remarks>
/// Reentrant: one session's storage I/O must not hold up the other sessions of the shard, and the calls between a
/// session, its user's list and the user (login confirmation, logout-all, a password change) must not wait on a
/// shard that is itself waiting. An operation never queues another on its own session: it would wait on itself.
/// </remarks>
[Reentrant]
public sealed class SessionShardGrain(
    [FromKeyedServices(StorageNames.Sessions)] IGrainStorage storage,
    [FromKeyedServices(DomainClock.ServiceKey)] TimeProvider time,
    IChangeFeed changes,
    IOptions<RecordShardOptions> options)
    // A session stored before the compact format is upgraded in memory when read; its next write stores the compact form.
    : RecordShardGrain<SessionState>(new RecordShard<SessionState>(storage, RecordType, StateName, time, s => s.UpgradeLegacyHashes()), options), ISessionShardGrain
{
    /// <summary>The grain type each session had as a grain of its own; part of its storage key.</summary>
    public static readonly GrainType RecordType = GrainType.Create("session");

    public const string StateName = "session";

    /// <summary>How many rotated-away refresh tokens are remembered for reuse detection.</summary>
    public const int RetiredTokensKept = 32;

    /// <summary>
    /// Activity is kept in memory and written at most this long after it was first left unwritten, so the per-request
    /// check rarely waits on storage; after a silo loss the idle clock is at most this much behind. A session that
    /// leaves memory is written first.
    /// </summary>
    public static readonly TimeSpan LastSeenWriteInterval = TimeSpan.FromMinutes(1);

    public Task<bool> Start(Guid sessionId, StartSession command) =>
        Records.Run(sessionId, async session =>
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
            await Records.Write(session, fresh);
            await GrainFactory.UserSessions(command.UserId).Add(sessionId, fresh.ExpiresAt, command.SessionsPerUser);
            GrainMetrics.SessionsStarted.Add(1);
            return true;
        });

    // In the silo rather than from the front end: one call fewer from the front end per login.
    public async Task<UserView?> Open(Guid sessionId, StartSession command)
    {
        if (!await Start(sessionId, command))
        {
            throw new InvalidOperationException("A fresh session id was already in use.");
        }

        // Asked only now that the session is in the user's list: a password change, email change or deactivation
        // either happened before (refused here) or will find and revoke this session. Outside the session's queue:
        // the user may be revoking this very session through its list meanwhile.
        var user = await GrainFactory.GetGrain<IUserGrain>(command.UserId).ConfirmLogin(command.CredentialVersion);
        if (user is null)
        {
            await Revoke(sessionId);
        }

        return user;
    }

    public Task<SessionCheck> Check(Guid sessionId) =>
        Records.Run(sessionId, async session =>
        {
            var state = session.State;
            var now = time.GetUtcNow();
            if (!state.IsLiveAt(now))
            {
                return SessionCheck.Inactive;
            }

            state.LastSeenAt = now;
            session.UnsavedSince ??= now;
            if (now - session.UnsavedSince >= LastSeenWriteInterval)
            {
                await Records.Write(session, state);
            }

            return new SessionCheck(true, state.UserId, state.EndsAt);
        });

    public Task<RefreshResult> Refresh(Guid sessionId, string presentedHash, string replacementHash) =>
        Records.Run(sessionId, async session =>
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
                await RevokeAndForget(session);
                return new RefreshResult(RefreshStatus.ReuseDetected, state.UserId);
            }

            // On a copy: were the old token retired in memory while the write failed, the client's retry with it
            // would look like reuse and end the session.
            var rotated = state.Rotated(replacementHash, RetiredTokensKept);
            rotated.LastSeenAt = now;
            await Records.Write(session, rotated);
            return new RefreshResult(RefreshStatus.Rotated, state.UserId);
        });

    public Task Revoke(Guid sessionId) => Records.Run(sessionId, RevokeAndForget);

    public Task RevokeFromUserList(Guid sessionId) => Records.Run(sessionId, StoreRevocation);

    public Task<bool> RevokeByRefreshToken(Guid sessionId, string presentedHash) =>
        Records.Run(sessionId, async session =>
        {
            var state = session.State;
            if (!state.IsLiveAt(time.GetUtcNow())
                || !(state.IsCurrentToken(presentedHash) || state.IsRetiredToken(presentedHash)))
            {
                return false;
            }

            await RevokeAndForget(session);
            return true;
        });

    public Task<SessionInfo?> GetInfo(Guid sessionId) =>
        Records.Run(sessionId, session =>
        {
            var s = session.State;
            var info = s.IsLiveAt(time.GetUtcNow())
                ? new SessionInfo(sessionId, s.UserId, s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.UserAgent, s.IpAddress)
                : null;
            return Task.FromResult(info);
        });

    public Task<int> SessionsInMemory() => Task.FromResult(Records.InMemory);

    private async Task RevokeAndForget(StoredRecord<SessionState> session)
    {
        if (!session.State.Started)
        {
            return;
        }

        await StoreRevocation(session);
        // One-way: the list may be calling this session right now (logout-all), and must not wait on it.
        GrainFactory.UserSessions(session.State.UserId).Forget(session.Id).Ignore();
    }

    /// <summary>
    /// Stores the revocation, then tells the front ends. The state changes only once the store took it, and the
    /// announcement is repeated on every call, so a retry after any failure really revokes and really announces.
    /// </summary>
    private async Task StoreRevocation(StoredRecord<SessionState> session)
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
            await Records.Write(session, revoked);
            GrainMetrics.SessionsRevoked.Add(1);
        }

        await changes.SessionEnded(session.Id);
    }
}
