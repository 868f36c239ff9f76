using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Streams;

namespace Streaming.Kafka.Tests.Infrastructure;

/// <summary>
/// The provider's adapter and receivers without an Orleans cluster: the test plays the pulling agent
/// (read, then report delivery), which makes commit and re-delivery behaviour observable step by step.
/// </summary>
public sealed class AdapterHarness : IAsyncDisposable
{
    public const string ProviderName = "kafka";

    private static readonly Lazy<Serializer> SharedSerializer = new(() =>
        new ServiceCollection()
            .AddSerializer(builder => builder.AddAssembly(typeof(AdapterHarness).Assembly))
            .BuildServiceProvider()
            .GetRequiredService<Serializer>());

    private readonly List<IQueueAdapterReceiver> _receivers = [];

    private AdapterHarness(KafkaQueueAdapterFactory factory, IQueueAdapter adapter)
    {
        Factory = factory;
        Adapter = adapter;
    }

    public KafkaQueueAdapterFactory Factory { get; }
    public IQueueAdapter Adapter { get; }
    public KafkaQueueMapper Mapper => Factory.Mapper;

    public static KafkaQueueAdapterFactory CreateFactory(KafkaStreamOptions options, ILoggerFactory? logs = null) =>
        new(ProviderName, options, new SimpleQueueCacheOptions(), SharedSerializer.Value, logs ?? NullLoggerFactory.Instance);

    /// <summary>A started provider whose topic check succeeded (it runs in the background).</summary>
    public static async Task<AdapterHarness> StartAsync(KafkaStreamOptions options, ILoggerFactory? logs = null)
    {
        var harness = await StartUncheckedAsync(options, logs);
        try
        {
            await harness.WaitUntilPublishingAsync();
            return harness;
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }
    }

    /// <summary>A started provider, without waiting for Kafka to answer.</summary>
    public static async Task<AdapterHarness> StartUncheckedAsync(KafkaStreamOptions options, ILoggerFactory? logs = null)
    {
        var factory = CreateFactory(options, logs);
        try
        {
            return new AdapterHarness(factory, await factory.CreateAdapter(CancellationToken.None));
        }
        catch
        {
            factory.Dispose();
            throw;
        }
    }

    public async Task WaitUntilPublishingAsync(int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!Factory.Status.CanPublish)
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Publishing did not come up: {Factory.Status.Problem}");
            await Task.Delay(20);
        }
    }

    /// <summary>Waits until the group's committed offset of a partition is <paramref name="expected"/> (commits run in the background).</summary>
    public static async Task WaitForCommitAsync(KafkaStreamOptions options, int partition, long expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        Confluent.Kafka.Offset committed;
        while ((committed = KafkaProbe.CommittedOffset(options.BootstrapServers, options.ConsumerGroupId, options.Topic, partition)).Value != expected)
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Committed offset stayed at {committed}, expected {expected}");
            await Task.Delay(50);
        }
    }

    public Task PublishAsync<T>(StreamId stream, T @event, Dictionary<string, object>? requestContext = null) =>
        Adapter.QueueMessageBatchAsync(stream, [@event], null, requestContext);

    /// <summary>A started receiver for one partition, as a pulling agent would create it.</summary>
    public async Task<IQueueAdapterReceiver> OpenReceiverAsync(int partition)
    {
        var receiver = Adapter.CreateReceiver(Mapper.GetAllQueues().Single(q => Mapper.GetPartition(q) == partition));
        await receiver.Initialize(TimeSpan.FromSeconds(5), CancellationToken.None);
        _receivers.Add(receiver);
        return receiver;
    }

    public async Task CloseReceiverAsync(IQueueAdapterReceiver receiver)
    {
        _receivers.Remove(receiver);
        await receiver.Shutdown(TimeSpan.FromSeconds(5), CancellationToken.None);
    }

    /// <summary>Polls like the pulling agent does until <paramref name="count"/> events arrived.</summary>
    public static async Task<List<KafkaBatchContainer>> ReadAsync(IQueueAdapterReceiver receiver, int count, TimeSpan? timeout = null)
    {
        var read = new List<KafkaBatchContainer>();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (read.Count < count)
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Expected {count} events, got {read.Count} before the timeout.");
            var batch = await receiver.GetQueueMessagesAsync(100, CancellationToken.None);
            read.AddRange(batch.Cast<KafkaBatchContainer>());
            if (batch.Count == 0) await Task.Delay(20);
        }
        return read;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var receiver in _receivers.ToList())
            await CloseReceiverAsync(receiver);
        Factory.Dispose();
    }
}
