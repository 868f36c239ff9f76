using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Providers.Streams.Common;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Streams;

namespace Streaming.Kafka;

/// <summary>
/// Entry point Orleans' persistent-stream provider uses to build the Kafka adapter, the queue mapper and the
/// per-queue caches. Registered by <c>AddKafkaStreams</c>; public so it can also be built directly (tests, tools).
/// Disposing it flushes and closes the producer (the DI container does so when the host stops).
/// </summary>
public sealed class KafkaQueueAdapterFactory : IQueueAdapterFactory, IDisposable
{
    private readonly string _name;
    private readonly KafkaStreamOptions _options;
    private readonly KafkaQueueMapper _mapper;
    private readonly KafkaMessageCodec _codec;
    private readonly SimpleQueueAdapterCache _cache;
    private readonly ILoggerFactory _loggerFactory;
    private readonly SemaphoreSlim _createLock = new(1, 1);
    private readonly ConcurrentDictionary<int, PartitionProgress> _progress = new();
    private KafkaQueueAdapter? _adapter;
    private KafkaAvailabilityMonitor? _monitor;

    public KafkaQueueAdapterFactory(
        string name,
        KafkaStreamOptions options,
        SimpleQueueCacheOptions cacheOptions,
        Serializer serializer,
        ILoggerFactory loggerFactory,
        KafkaPublishingStatus? status = null)
    {
        new KafkaStreamOptionsValidator(options, name).ValidateConfiguration();
        _name = name;
        _options = options;
        _loggerFactory = loggerFactory;
        _mapper = new KafkaQueueMapper(name, options.Partitions);
        _codec = new KafkaMessageCodec(serializer, options.RecordHeaders, loggerFactory.CreateLogger<KafkaMessageCodec>());
        Status = status ?? new KafkaPublishingStatus();
        // The simple cache releases events (-> MessagesDeliveredAsync -> commit) only once no cursor needs them.
        _cache = new SimpleQueueAdapterCache(cacheOptions, name, loggerFactory);
    }

    public static KafkaQueueAdapterFactory Create(IServiceProvider services, string name) =>
        new(
            name,
            services.GetRequiredService<IOptionsMonitor<KafkaStreamOptions>>().Get(name),
            services.GetRequiredService<IOptionsMonitor<SimpleQueueCacheOptions>>().Get(name),
            services.GetRequiredService<Serializer>(),
            services.GetRequiredService<ILoggerFactory>(),
            services.GetRequiredKeyedService<KafkaPublishingStatus>(name));

    public KafkaQueueMapper Mapper => _mapper;

    /// <summary>Whether this provider can publish now (for health checks).</summary>
    public KafkaPublishingStatus Status { get; }

    public Task<IQueueAdapter> CreateAdapter() => CreateAdapter(CancellationToken.None);

    /// <summary>
    /// Called once when the provider starts (silo or client). Never waits for Kafka: the topic is checked (or
    /// created) in the background, and until then publishing fails fast and receivers read nothing.
    /// </summary>
    public async Task<IQueueAdapter> CreateAdapter(CancellationToken cancellationToken)
    {
        await _createLock.WaitAsync(cancellationToken);
        try
        {
            if (_adapter is null)
            {
                var logger = _loggerFactory.CreateLogger<KafkaQueueAdapterFactory>();
                _adapter = new KafkaQueueAdapter(_name, _options, _mapper, _codec, Status, (partition, progress) => _progress[partition] = progress, _loggerFactory);
                _monitor = new KafkaAvailabilityMonitor(_options, $"orleans-{_name}-admin", Status, logger);
            }
            return _adapter;
        }
        finally
        {
            _createLock.Release();
        }
    }

    public IQueueAdapterCache GetQueueAdapterCache() => _cache;

    public IStreamQueueMapper GetStreamQueueMapper() => _mapper;

    public Task<IStreamFailureHandler> GetDeliveryFailureHandler(QueueId queueId)
    {
        var partition = _mapper.GetPartition(queueId);
        // Looked up at failure time: the partition's current receiver may be newer than this handler.
        return Task.FromResult<IStreamFailureHandler>(new KafkaDeliveryFailureHandler(() => _progress.GetValueOrDefault(partition)));
    }

    public void Dispose()
    {
        _monitor?.Dispose();
        _monitor = null;
        _adapter?.Dispose();
        _adapter = null;
        _createLock.Dispose();
    }
}
