using Streaming.Kafka.Testing;

namespace Streaming.Kafka.Tests.Infrastructure;

/// <summary>One mock Kafka cluster (3 brokers) per test class; every test uses its own topic and group.</summary>
public sealed class MockKafkaFixture : IAsyncLifetime
{
    public MockKafkaCluster Kafka { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Kafka = MockKafkaCluster.Start(brokerCount: 3);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Kafka.DisposeAsync();

    /// <summary>A fresh topic on the mock cluster plus provider options pointing at it.</summary>
    public KafkaStreamOptions NewTopic(string prefix, int partitions, int replicationFactor = 3)
    {
        var topic = $"{prefix}-{Guid.NewGuid():N}";
        Kafka.CreateStreamTopics(topic, partitions, replicationFactor);
        return new KafkaStreamOptions
        {
            BootstrapServers = Kafka.BootstrapServers,
            Topic = topic,
            Partitions = partitions,
            ConsumerGroupId = $"{topic}-orleans",
            ReplicationFactor = (short)replicationFactor,
            ConsumerConfig = new() { ["fetch.wait.max.ms"] = "50" },
        };
    }
}
