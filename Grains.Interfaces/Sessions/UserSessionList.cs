namespace Grains.Interfaces.Sessions;

/// <summary>
/// The sessions of one user, keyed by user id: what logout-all and a password change revoke. A handle on the
/// list's record in its shard, so call sites read as if the list were a grain of its own.
/// </summary>
public readonly record struct UserSessionList(IUserSessionsShardGrain Shard, Guid UserId)
{
    /// <inheritdoc cref="IUserSessionsShardGrain.Add(Guid, Guid, DateTimeOffset, int)"/>
    public Task Add(Guid sessionId, DateTimeOffset expiresAt, int keepAtMost) => Shard.Add(UserId, sessionId, expiresAt, keepAtMost);

    /// <inheritdoc cref="IUserSessionsShardGrain.Forget"/>
    public Task Forget(Guid sessionId) => Shard.Forget(UserId, sessionId);

    /// <inheritdoc cref="IUserSessionsShardGrain.RevokeAll"/>
    public Task RevokeAll(Guid? except) => Shard.RevokeAll(UserId, except);

    /// <inheritdoc cref="IUserSessionsShardGrain.List"/>
    public Task<IReadOnlyList<SessionInfo>> List() => Shard.List(UserId);
}
