using Grains.Interfaces.Users;

namespace Grains.Interfaces.Sessions;

/// <summary>
/// Hosts the login sessions whose id (the JWT "sid") maps to it (<see cref="RecordShards.Of"/>); each session is a
/// record persisted in the "sessions" storage (Redis), not an activation. Callers go through
/// <see cref="SessionHandle"/> (<c>grains.Session(sessionId)</c>), which documents each operation.
/// </summary>
public interface ISessionShardGrain : IGrainWithIntegerKey
{
    Task<bool> Start(Guid sessionId, StartSession command);

    Task<UserView?> Open(Guid sessionId, StartSession command);

    Task<SessionCheck> Check(Guid sessionId);

    Task<RefreshResult> Refresh(Guid sessionId, string presentedHash, string replacementHash);

    Task Revoke(Guid sessionId);

    Task RevokeFromUserList(Guid sessionId);

    Task<bool> RevokeByRefreshToken(Guid sessionId, string presentedHash);

    Task<SessionInfo?> GetInfo(Guid sessionId);

    /// <summary>How many sessions this shard holds in memory now (the rest are read from storage when next used).</summary>
    Task<int> SessionsInMemory();
}
