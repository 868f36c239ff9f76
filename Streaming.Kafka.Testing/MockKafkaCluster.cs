using System.Runtime.InteropServices;

namespace Streaming.Kafka.Testing;

/// <summary>
/// A Kafka cluster inside the test process: librdkafka's mock brokers, which speak the real Kafka protocol on
/// localhost ports (produce, fetch, idempotent producer, group offset commit/fetch, metadata).
/// Not supported by the mock: CreateTopics (use <see cref="CreateTopic"/>) and automatic leader fail-over
/// (a broker set down keeps leading its partitions until set up again).
/// Dispose it after the clients that use it.
/// </summary>
public sealed class MockKafkaCluster : IAsyncDisposable, IDisposable
{
    /// <summary>Broker id meaning "every broker" for <see cref="SetBrokerDown"/> and <see cref="SetBrokerUp"/>.</summary>
    public const int AllBrokers = -1;

    private IntPtr _handle;   // rd_kafka_t that owns the mock cluster's threads
    private IntPtr _cluster;  // rd_kafka_mock_cluster_t

    private MockKafkaCluster(IntPtr handle, IntPtr cluster, int brokerCount)
    {
        _handle = handle;
        _cluster = cluster;
        BrokerCount = brokerCount;
        BootstrapServers = Marshal.PtrToStringUTF8(LibRdKafka.rd_kafka_mock_cluster_bootstraps(cluster))
            ?? throw new InvalidOperationException("The mock cluster reported no bootstrap servers.");
    }

    /// <summary>Comma-separated localhost listeners, for <c>bootstrap.servers</c>.</summary>
    public string BootstrapServers { get; }

    /// <summary>Number of brokers; their ids are 1..BrokerCount.</summary>
    public int BrokerCount { get; }

    public static MockKafkaCluster Start(int brokerCount = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokerCount, 1);
        var errors = new byte[512];

        var conf = LibRdKafka.rd_kafka_conf_new();
        // The mock's own log lines (connections coming and going) would go to stderr; keep only errors.
        if (LibRdKafka.rd_kafka_conf_set(conf, "log_level", "3", errors, (nuint)errors.Length) != LibRdKafka.ConfOk)
        {
            LibRdKafka.rd_kafka_conf_destroy(conf);
            throw new InvalidOperationException($"librdkafka configuration failed: {LibRdKafka.Text(errors)}");
        }

        // rd_kafka_new takes ownership of conf only when it succeeds.
        var handle = LibRdKafka.rd_kafka_new(LibRdKafka.ProducerType, conf, errors, (nuint)errors.Length);
        if (handle == IntPtr.Zero)
        {
            LibRdKafka.rd_kafka_conf_destroy(conf);
            throw new InvalidOperationException($"rd_kafka_new failed: {LibRdKafka.Text(errors)}");
        }

        var cluster = LibRdKafka.rd_kafka_mock_cluster_new(handle, brokerCount);
        if (cluster == IntPtr.Zero)
        {
            LibRdKafka.rd_kafka_destroy(handle);
            throw new InvalidOperationException("rd_kafka_mock_cluster_new failed.");
        }

        return new MockKafkaCluster(handle, cluster, brokerCount);
    }

    /// <summary>Creates a topic (the mock broker does not implement the CreateTopics admin request).</summary>
    public void CreateTopic(string topic, int partitions, int replicationFactor = 1) =>
        Check(LibRdKafka.rd_kafka_mock_topic_create(Cluster, topic, partitions, replicationFactor), $"create topic {topic}");

    /// <summary>
    /// Creates what the Kafka stream provider checks for at start: its topic and the <c>.dlq</c> topic its
    /// dead letters go to (on a real cluster the provider creates both itself).
    /// </summary>
    public void CreateStreamTopics(string topic, int partitions, int replicationFactor = 1)
    {
        CreateTopic(topic, partitions, replicationFactor);
        CreateTopic(topic + ".dlq", 1, replicationFactor);
    }

    /// <summary>Moves a partition's leadership to one broker, e.g. to take exactly that partition offline.</summary>
    public void SetPartitionLeader(string topic, int partition, int brokerId) =>
        Check(LibRdKafka.rd_kafka_mock_partition_set_leader(Cluster, topic, partition, brokerId), $"move {topic}/{partition} to broker {brokerId}");

    /// <summary>Closes the broker's connections and refuses new ones (an outage). Leadership does not move.</summary>
    public void SetBrokerDown(int brokerId = AllBrokers) =>
        Check(LibRdKafka.rd_kafka_mock_broker_set_down(Cluster, brokerId), $"set broker {brokerId} down");

    /// <summary>Lets the broker accept connections again, on the same port.</summary>
    public void SetBrokerUp(int brokerId = AllBrokers) =>
        Check(LibRdKafka.rd_kafka_mock_broker_set_up(Cluster, brokerId), $"set broker {brokerId} up");

    /// <summary>
    /// Delays every answer of the broker by <paramref name="rtt"/>; requests are still carried out at once. A
    /// client whose request timeout is shorter gives up and retries a request the broker already performed.
    /// </summary>
    public void SetBrokerRoundTrip(TimeSpan rtt, int brokerId = AllBrokers) =>
        Check(LibRdKafka.rd_kafka_mock_broker_set_rtt(Cluster, brokerId, (int)rtt.TotalMilliseconds), $"set broker {brokerId} round trip");

    public void Dispose()
    {
        var cluster = Interlocked.Exchange(ref _cluster, IntPtr.Zero);
        if (cluster != IntPtr.Zero) LibRdKafka.rd_kafka_mock_cluster_destroy(cluster);

        var handle = Interlocked.Exchange(ref _handle, IntPtr.Zero);
        if (handle != IntPtr.Zero) LibRdKafka.rd_kafka_destroy(handle);
    }

    // Destroying joins librdkafka's threads; do it off the caller's thread.
    public ValueTask DisposeAsync() => new(Task.Run(Dispose));

    private IntPtr Cluster => _cluster != IntPtr.Zero ? _cluster : throw new ObjectDisposedException(nameof(MockKafkaCluster));

    private static void Check(int error, string action)
    {
        if (error != 0)
            throw new InvalidOperationException($"Mock Kafka cluster could not {action}: {LibRdKafka.ErrorText(error)}");
    }
}
