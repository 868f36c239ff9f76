using Confluent.Kafka;
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
    private readonly IProducer<byte[], byte[]> _producer;

    public KafkaQueueAdapter(string name, KafkaStreamOptions options, KafkaQueueMapper mapper, KafkaMessageCodec codec, ILoggerFactory loggerFactory)
    {
        Name = name;
        _options = options;
        _mapper = mapper;
        _codec = codec;
        _loggerFactory = loggerFactory;

        var logger = loggerFactory.CreateLogger<KafkaQueueAdapter>();
        _producer = new ProducerBuilder<byte[], byte[]>(KafkaClientConfigs.ForProducer(options, $"orleans-{name}-producer"))
            .SetLogHandler((_, message) => KafkaLogging.Log(logger, message))
            .SetErrorHandler((_, error) => KafkaLogging.Error(logger, error))
            .Build();
    }

    public string Name { get; }

    // Receivers only move forward from the committed offset; subscribing "from a token" is not supported.
    public bool IsRewindable => false;

    public StreamProviderDirection Direction => StreamProviderDirection.ReadWrite;

    /// <summary>
    /// Completes when Kafka acknowledged every event (acks=all). A failure (e.g. brokers unreachable for longer
    /// than <c>message.timeout.ms</c>) surfaces as <see cref="ProduceException{TKey,TValue}"/> to the publisher.
    /// </summary>
    public async Task QueueMessageBatchAsync<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext)
    {
        if (token is not null)
            throw new NotSupportedException("The Kafka stream provider assigns sequence tokens itself (Kafka offsets); publish without a token.");

        var partition = new TopicPartition(_options.Topic, new Partition(_mapper.GetPartition(streamId)));
        // All records go to one partition through one idempotent producer, so Kafka keeps them in this order.
        var deliveries = events.Select(e => _producer.ProduceAsync(partition, _codec.Encode(streamId, e, requestContext))).ToList();
        await Task.WhenAll(deliveries);
    }

    public IQueueAdapterReceiver CreateReceiver(QueueId queueId)
    {
        var partition = new TopicPartition(_options.Topic, new Partition(_mapper.GetPartition(queueId)));
        var config = KafkaClientConfigs.ForConsumer(_options, $"orleans-{Name}-{partition.Partition.Value}");
        return new KafkaQueueAdapterReceiver(partition, config, _codec, _loggerFactory.CreateLogger<KafkaQueueAdapterReceiver>());
    }

    public void Dispose()
    {
        // Give records still in librdkafka's queue a chance to leave before the process goes away.
        _producer.Flush(TimeSpan.FromSeconds(5));
        _producer.Dispose();
    }
}
