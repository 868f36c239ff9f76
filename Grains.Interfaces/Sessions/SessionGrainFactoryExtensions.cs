namespace Grains.Interfaces.Sessions;

public static class SessionGrainFactoryExtensions
{
    /// <summary>The session list of <paramref name="userId"/>, in the shard that hosts it.</summary>
    public static UserSessionList UserSessions(this IGrainFactory grains, Guid userId) =>
        new(grains.GetGrain<IUserSessionsShardGrain>(RecordShards.Of(userId)), userId);
}
