using Confluent.Kafka;
using ErrorCode = Confluent.Kafka.ErrorCode;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;

namespace Streaming.Kafka;

/// <summary>
/// Writes stream events to Kafka (one record per event, into the stream key's partition) and creates one
/// receiver per queue/partition. Owns the provider's single producer.
/// </summary>
internal sealed class KafkaQueueAdapter : IQueueAdapter, IDisposable
{
    private readonly KafkaStreamOptions _options;
    private readonly KafkaQueueMapper _mapper;
    private readonly KafkaMessageCodec _codec;
    private readonly ILoggerFactory _loggerFactory;
    private readonly KafkaPublishingStatus _status;
    private readonly Action<int, PartitionProgress> _publishProgress;
    private readonly ILogger _logger;
    private readonly Lock _producerLock = new();
    private IProducer<byte[], byte[]> _producer;

    public KafkaQueueAdapter(
        string name,
        KafkaStreamOptions options,
        KafkaQueueMapper mapper,
        KafkaMessageCodec codec,
        KafkaPublishingStatus status,
        Action<int, PartitionProgress> publishProgress,
        ILoggerFactory loggerFactory)
    {
        Name = name;
        _options = options;
        _mapper = mapper;
        _codec = codec;
        _status = status;
        _publishProgress = publishProgress;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<KafkaQueueAdapter>();
        _producer = BuildProducer();
    }

    public string Name { get; }

    // Receivers only move forward from the committed offset; subscribing "from a token" is not supported.
    public bool IsRewindable => false;

    public StreamProviderDirection Direction => StreamProviderDirection.ReadWrite;

    /// <summary>
    /// Completes when Kafka acknowledged every event (acks=all). Fails with <see cref="KafkaUnavailableException"/> at
    /// once while publishing is degraded, or after <see cref="KafkaStreamOptions.PublishTimeout"/> without an
    /// acknowledgement; with <see cref="ProduceException{TKey,TValue}"/> when Kafka refused or timed the record out.
    /// </summary>
    public async Task QueueMessageBatchAsync<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext)
    {
        if (token is not null)
            throw new NotSupportedException("The Kafka stream provider assigns sequence tokens itself (Kafka offsets); publish without a token.");

        // Fails at once while Kafka is known to be away: the publisher keeps its events and is not held up.
        _status.ThrowIfOpen();
        var partition = new TopicPartition(_options.Topic, new Partition(_mapper.GetPartition(streamId)));
        var producer = _producer;
        try
        {
            // All records go to one partition through one idempotent producer, so Kafka keeps them in this order.
            var deliveries = Task.WhenAll(events.Select(e => producer.ProduceAsync(partition, _codec.Encode(streamId, e, requestContext))));
            await deliveries.WaitAsync(_options.PublishTimeout);
        }
        catch (TimeoutException)
        {
            // The records may still be stored later; the publisher retries and consumers drop the copy (at least once).
            // What matters is that the publisher (a user grain's turn) is not held for message.timeout.ms.
            _status.Degraded($"no acknowledgement within {_options.PublishTimeout.TotalSeconds:0.#} s");
            throw new KafkaUnavailableException($"Kafka did not acknowledge within {_options.PublishTimeout.TotalSeconds:0.#} s.");
        }
        catch (ProduceException<byte[], byte[]> e)
        {
            _status.Degraded(e.Error.Reason);
            throw;
        }
    }

    public IQueueAdapterReceiver CreateReceiver(QueueId queueId)
    {
        var partition = new TopicPartition(_options.Topic, new Partition(_mapper.GetPartition(queueId)));
        var config = KafkaClientConfigs.ForConsumer(_options, $"orleans-{Name}-{partition.Partition.Value}");
        var deadLetters = new KafkaDeadLetters(() => _producer, _options.Topic, _logger);
        return new KafkaQueueAdapterReceiver(partition, config, _codec, deadLetters, _status,
            progress => _publishProgress(partition.Partition.Value, progress), _loggerFactory.CreateLogger<KafkaQueueAdapterReceiver>());
    }

    public void Dispose()
    {
        // Give records still in librdkafka's queue a chance to leave before the process goes away.
        _producer.Flush(TimeSpan.FromSeconds(5));
        _producer.Dispose();
    }

    private IProducer<byte[], byte[]> BuildProducer() =>
        new ProducerBuilder<byte[], byte[]>(KafkaClientConfigs.ForProducer(_options, $"orleans-{Name}-producer"))
            .SetLogHandler((_, message) => KafkaLogging.Log(_logger, message))
            .SetErrorHandler((_, error) => OnProducerError(error))
            .Build();

    private void OnProducerError(Error error)
    {
        KafkaLogging.Error(_logger, error);
        if (error.Code == ErrorCode.Local_AllBrokersDown)
        {
            // Open the breaker now rather than after the first publish has waited out its timeout.
            _status.Degraded(error.Reason);
        }
        else if (error.IsFatal)
        {
            // A fatal error (e.g. the idempotent producer lost its sequence) leaves this producer unusable for good.
            RebuildProducer();
        }
    }

    private void RebuildProducer()
    {
        IProducer<byte[], byte[]> old;
        lock (_producerLock)
        {
            old = _producer;
            _producer = BuildProducer();
        }

        _logger.LogError("The Kafka producer hit a fatal error and was rebuilt; unacknowledged events are retried by their publishers");
        // Disposing from librdkafka's own callback thread would deadlock.
        _ = Task.Run(old.Dispose);
    }
}
