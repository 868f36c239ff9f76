using Grains;
using Grains.Interfaces;
using StackExchange.Redis;

namespace Silo.Hosting;

/// <summary>
/// Announces changes on a Redis channel of this cluster, which every front end subscribes to. Pub/sub
/// reaches only connected subscribers, so a front end whose subscription drops stops trusting its copies
/// (see the front end's cache); for the same reason a failed announcement is logged, not thrown: with
/// Redis unreachable from here, the front ends' subscriptions are down as well.
/// </summary>
public sealed class RedisChangeFeed(string redisConnection, string clusterId, ILogger<RedisChangeFeed> logger) : IChangeFeed, IAsyncDisposable
{
    private readonly RedisChannel _channel = RedisChannel.Literal(ChangeMessage.Channel(clusterId));
    private readonly Lazy<Task<ConnectionMultiplexer>> _redis = new(() => ConnectionMultiplexer.ConnectAsync(redisConnection));

    public Task SessionEnded(Guid sessionId) => Publish(ChangeMessage.SessionEnded(sessionId));

    public Task UserChanged(Guid userId) => Publish(ChangeMessage.UserChanged(userId));

    private async Task Publish(string message)
    {
        try
        {
            var redis = await _redis.Value;
            await redis.GetSubscriber().PublishAsync(_channel, message);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogWarning("Could not announce a change to the front ends: {Reason}", e.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis.IsValueCreated && _redis.Value.IsCompletedSuccessfully)
        {
            await _redis.Value.Result.DisposeAsync();
        }
    }
}
