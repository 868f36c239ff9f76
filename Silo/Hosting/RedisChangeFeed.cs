using System.Collections.Concurrent;
using Grains;
using Grains.Interfaces;
using StackExchange.Redis;

namespace Silo.Hosting;

/// <summary>
/// Announces changes on a Redis channel of this cluster, which every front end subscribes to, and waits until
/// every front end that received an announcement confirmed it dropped its copy: PUBLISH tells how many
/// subscribers Redis handed the message to, and each front end publishes the announcement's receipt back once
/// its copy is gone. So a logout answers only after no front end can serve the ended session from a copy.
/// A reader that does not confirm within <see cref="ReceiptTimeout"/> (a stalled front end, or a
/// <c>SUBSCRIBE</c> someone opened by hand) is counted and logged, and the announcement goes on: a front end
/// that stops receiving altogether stops trusting its copies (see the front end's cache). For the same reason a
/// failed announcement is logged, not thrown: with Redis unreachable from here, the subscriptions are down too.
/// </summary>
public sealed class RedisChangeFeed(ConfigurationOptions redis, string clusterId, ILogger<RedisChangeFeed> logger) : IChangeFeed, IAsyncDisposable
{
    public static readonly TimeSpan ReceiptTimeout = TimeSpan.FromSeconds(2);

    private readonly RedisChannel _channel = RedisChannel.Literal(ChangeMessage.Channel(clusterId));
    /// <summary>Names this feed in its receipts, so front ends confirm on this feed's own channel (<see cref="ChangeMessage.NewReceipt"/>).</summary>
    private readonly uint _announcer = (uint)Random.Shared.NextInt64(1L << 32);
    private readonly RedisChannel _sharedReceipts = RedisChannel.Literal(ChangeMessage.ReceiptChannel(clusterId));
    private readonly ConcurrentDictionary<Guid, Receipts> _awaited = new();
    private readonly Lazy<Task<ConnectionMultiplexer>> _redis = new(() => ConnectionMultiplexer.ConnectAsync(redis));
    private readonly Lock _gate = new();
    private Task<ISubscriber>? _subscribed;

    public Task SessionEnded(Guid sessionId) => Publish(ChangeMessage.SessionEnded(sessionId));

    public Task UserChanged(Guid userId) => Publish(ChangeMessage.UserChanged(userId));

    private async Task Publish(string message)
    {
        var receipt = ChangeMessage.NewReceipt(_announcer);
        var receipts = new Receipts();
        _awaited[receipt] = receipts;
        try
        {
            var subscriber = await Subscribed();
            var readers = await subscriber.PublishAsync(_channel, ChangeMessage.WithReceipt(message, receipt));
            try
            {
                await receipts.AllOf(readers).WaitAsync(ReceiptTimeout);
            }
            catch (TimeoutException)
            {
                GrainMetrics.ChangesUnconfirmed.Add(1);
                logger.LogWarning(
                    "{Missing} of {Readers} readers of the change channel did not confirm an announcement within {Timeout}",
                    readers - receipts.Count, readers, ReceiptTimeout);
            }
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogWarning("Could not announce a change to the front ends: {Reason}", e.Message);
        }
        finally
        {
            _awaited.TryRemove(receipt, out _);
        }
    }

    /// <summary>Subscribes to the receipt channel once, before the first announcement goes out (again after a failure).</summary>
    private Task<ISubscriber> Subscribed()
    {
        lock (_gate)
        {
            if (_subscribed is null || _subscribed.IsFaulted || _subscribed.IsCanceled)
            {
                _subscribed = Subscribe();
            }

            return _subscribed;
        }
    }

    private async Task<ISubscriber> Subscribe()
    {
        var subscriber = (await _redis.Value).GetSubscriber();
        Action<RedisChannel, RedisValue> confirmed = (_, value) =>
        {
            if (ChangeMessage.TryParseReceipt(value, out var receipt, out var reader) && _awaited.TryGetValue(receipt, out var receipts))
            {
                receipts.Add(reader);
            }
        };
        await subscriber.SubscribeAsync(RedisChannel.Literal(ChangeMessage.ReceiptChannel(clusterId, _announcer)), confirmed);
        // Front ends of the earlier release confirm every announcement on the one shared channel.
        await subscriber.SubscribeAsync(_sharedReceipts, confirmed);
        return subscriber;
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis.IsValueCreated && _redis.Value.IsCompletedSuccessfully)
        {
            await _redis.Value.Result.DisposeAsync();
        }
    }

    /// <summary>
    /// One announcement's receipts, one per reader (a receipt handled twice counts once); they may arrive before
    /// PUBLISH has told how many to expect.
    /// </summary>
    private sealed class Receipts
    {
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly HashSet<Guid> _readers = [];
        private long _expected = long.MaxValue;

        public int Count
        {
            get
            {
                lock (_readers)
                {
                    return _readers.Count;
                }
            }
        }

        public void Add(Guid reader)
        {
            lock (_readers)
            {
                if (_readers.Add(reader) && _readers.Count >= _expected)
                {
                    _all.TrySetResult();
                }
            }
        }

        public Task AllOf(long readers)
        {
            lock (_readers)
            {
                _expected = readers;
                if (_readers.Count >= readers)
                {
                    _all.TrySetResult();
                }
            }

            return _all.Task;
        }
    }
}
