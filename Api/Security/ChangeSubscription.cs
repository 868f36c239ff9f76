using Grains.Interfaces;
using StackExchange.Redis;

namespace Api.Security;

/// <summary>
/// Keeps the front end subscribed to its cluster's change channel and tells the cache how the subscription
/// fares. After (re)connecting, copies are trusted only once a probe this process published has come back
/// through the channel: that proves announcements reach it again. Each announcement that carries a receipt is
/// confirmed on its announcer's receipt channel right after the copy is dropped: the announcing grain waits for every
/// front end's receipt before it answers, so no front end can still serve the old copy once a logout returned.
/// </summary>
public sealed class ChangeSubscription(
    FrontEndCache cache, string redisConnection, string clusterId, ILogger<ChangeSubscription> logger) : BackgroundService
{
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(2);
    private readonly RedisChannel _channel = RedisChannel.Literal(ChangeMessage.Channel(clusterId));
    private readonly Guid _reader = Guid.NewGuid();
    private volatile string? _probe;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(redisConnection);
        redis.ConnectionFailed += (_, e) =>
        {
            cache.Disconnected();
            logger.LogWarning("Change subscription lost ({Failure}): requests ask the cluster until it is back", e.FailureType);
        };
        redis.ConnectionRestored += (_, _) => cache.Disconnected();
        var subscriber = redis.GetSubscriber();
        await subscriber.SubscribeAsync(_channel, (_, message) =>
        {
            if (_probe is { } probe && message == probe)
            {
                cache.Connected();
            }
            else if (cache.Apply(message) is var receipt && receipt != Guid.Empty)
            {
                Confirm(subscriber, receipt);
            }
        });

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (!cache.Trusted && redis.IsConnected)
                {
                    await Probe(subscriber);
                }

                await Task.Delay(ProbeInterval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            cache.Disconnected();
        }
    }

    private void Confirm(ISubscriber subscriber, Guid receipt)
    {
        try
        {
            // Not awaited: the handler must not stall the subscription; a lost receipt only delays the announcer.
            // On the announcing silo's own channel, so the other silos never see it.
            var channel = RedisChannel.Literal(ChangeMessage.ReceiptChannelOf(clusterId, receipt));
            subscriber.Publish(channel, ChangeMessage.Receipt(receipt, _reader), CommandFlags.FireAndForget);
        }
        catch (RedisException e)
        {
            logger.LogDebug("Could not confirm a change: {Reason}", e.Message);
        }
    }

    private async Task Probe(ISubscriber subscriber)
    {
        try
        {
            _probe = ChangeMessage.Probe(Guid.NewGuid());
            await subscriber.PublishAsync(_channel, _probe);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogDebug("Change subscription probe failed: {Reason}", e.Message);
        }
    }
}
