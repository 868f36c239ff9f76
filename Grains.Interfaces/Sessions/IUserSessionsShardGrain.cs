using Orleans.Concurrency;

namespace Grains.Interfaces.Sessions;

/// <summary>
/// Hosts the session lists of the users whose id maps to it (<see cref="RecordShards.Of"/>); each list is a record,
/// not an activation. Callers go through <see cref="UserSessionList"/> (<c>grains.UserSessions(userId)</c>).
/// </summary>
public interface IUserSessionsShardGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Lists a new session, which ends by <paramref name="expiresAt"/> at the latest. Sessions already past theirs
    /// leave the list, and when it then holds more than <paramref name="keepAtMost"/> (0: no limit) the oldest are
    /// revoked.
    /// </summary>
    Task Add(Guid userId, Guid sessionId, DateTimeOffset expiresAt, int keepAtMost);

    /// <summary>What a silo of the release before calls during a rolling upgrade: no expiry, no limit.</summary>
    Task Add(Guid userId, Guid sessionId);

    /// <summary>Forgets a session whose revocation is stored. One-way: a revoking session never waits on its list.</summary>
    [OneWay]
    Task Forget(Guid userId, Guid sessionId);

    /// <summary>Revokes every session of the user except <paramref name="except"/>.</summary>
    Task RevokeAll(Guid userId, Guid? except);

    /// <summary>The user's live sessions; ones that ended on their own are forgotten.</summary>
    Task<IReadOnlyList<SessionInfo>> List(Guid userId);

    /// <summary>How many lists this shard holds in memory now (the rest are read from storage when next used).</summary>
    Task<int> ListsInMemory();
}
