namespace Grains.Interfaces.Sessions;

/// <summary>Sessions and session lists are records in shard grains (<see cref="RecordShards"/>); these find them.</summary>
public static class SessionGrainFactoryExtensions
{
    /// <summary>The session <paramref name="sessionId"/>, in the shard that hosts it.</summary>
    public static SessionHandle Session(this IGrainFactory grains, Guid sessionId) =>
        new(grains.GetGrain<ISessionShardGrain>(RecordShards.Of(sessionId)), sessionId);

    /// <summary>The session list of <paramref name="userId"/>, in the shard that hosts it.</summary>
    public static UserSessionList UserSessions(this IGrainFactory grains, Guid userId) =>
        new(grains.GetGrain<IUserSessionsShardGrain>(RecordShards.Of(userId)), userId);
}
