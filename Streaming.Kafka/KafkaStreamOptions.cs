using Orleans.Runtime;

namespace Streaming.Kafka;

/// <summary>
/// Settings of one Kafka stream provider. The same values must be given to the silos and to the clients
/// (they share the topic, the partition count and therefore the stream-to-partition mapping).
/// </summary>
public sealed class KafkaStreamOptions
{
    /// <summary>Comma-separated host:port list of Kafka brokers (librdkafka <c>bootstrap.servers</c>).</summary>
    public string BootstrapServers { get; set; } = string.Empty;

    /// <summary>The topic that carries every stream of this provider.</summary>
    public string Topic { get; set; } = string.Empty;

    /// <summary>
    /// Number of Kafka partitions of <see cref="Topic"/>, which is also the number of Orleans stream queues
    /// (queue i reads partition i). An existing topic must have exactly this many partitions.
    /// </summary>
    public int Partitions { get; set; } = 8;

    /// <summary>
    /// Kafka consumer group under which delivered offsets are committed. The provider never joins this
    /// group (partitions are assigned by the Orleans queue balancer), so the group must be dedicated to it.
    /// </summary>
    public string ConsumerGroupId { get; set; } = string.Empty;

    /// <summary>Replication factor used when the provider creates the topic (and its dead-letter topic).</summary>
    public short ReplicationFactor { get; set; } = 1;

    /// <summary>
    /// <c>min.insync.replicas</c> of a topic the provider creates; null leaves the broker's default. With acks=all,
    /// a write then needs this many replicas, so it must not exceed <see cref="ReplicationFactor"/>.
    /// </summary>
    public short? MinInSyncReplicas { get; set; }

    /// <summary>Create <see cref="Topic"/> at start when it does not exist (needs the broker's CreateTopics permission).</summary>
    public bool CreateTopicIfMissing { get; set; } = true;

    /// <summary>
    /// How long a publisher waits for Kafka's acknowledgement before it is told to retry later. Shorter than
    /// <c>message.timeout.ms</c> on purpose: a publisher (a grain's turn) must not be held for a whole outage.
    /// </summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Time allowed for one metadata or topic-creation call (they are retried in the background).</summary>
    public TimeSpan AdminTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Extra headers for each record, from its stream and event (e.g. CloudEvents <c>ce_*</c> headers for outside
    /// consumers). Must not throw; the provider's own headers are added besides.
    /// </summary>
    public Func<StreamId, object?, IEnumerable<KeyValuePair<string, byte[]>>>? RecordHeaders { get; set; }

    /// <summary>
    /// Extra librdkafka producer properties (e.g. security settings, <c>linger.ms</c>, <c>message.timeout.ms</c>).
    /// <c>bootstrap.servers</c>, <c>enable.idempotence=true</c> and <c>acks=all</c> are always set by the provider.
    /// </summary>
    public Dictionary<string, string> ProducerConfig { get; set; } = [];

    /// <summary>
    /// Extra librdkafka consumer properties (e.g. security settings, <c>fetch.wait.max.ms</c>).
    /// <c>bootstrap.servers</c>, <c>group.id</c>, <c>enable.auto.commit=false</c> and
    /// <c>auto.offset.reset=earliest</c> are always set by the provider.
    /// </summary>
    public Dictionary<string, string> ConsumerConfig { get; set; } = [];
}
