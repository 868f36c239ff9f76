using Confluent.Kafka;
using Orleans.Runtime;
using ErrorCode = Confluent.Kafka.ErrorCode;
using Streaming.Kafka.Tests.Infrastructure;
using Streaming.Kafka.Testing;

namespace Streaming.Kafka.Tests;

/// <summary>
/// What a publisher sees while brokers are down: librdkafka keeps retrying until <c>message.timeout.ms</c>
/// (provider default 30 s); a shorter outage is invisible (the idempotent producer stores each event once),
/// a longer one fails the publish with <see cref="ProduceException{TKey,TValue}"/> (Local_MsgTimedOut).
/// Each test owns its mock cluster because it takes brokers down.
/// </summary>
public sealed class KafkaBrokerOutageTests
{
    private static readonly StreamId Stream = StreamId.Create("user-events", "user-9");

    [Fact]
    public async Task A_short_outage_is_retried_and_the_event_is_stored_once()
    {
        await using var kafka = MockKafkaCluster.Start();
        var options = Options(kafka, messageTimeoutMs: 15_000);
        await using var harness = await AdapterHarness.StartAsync(options);
        await harness.PublishAsync(Stream, "before");

        kafka.SetBrokerDown();
        var publish = harness.PublishAsync(Stream, "during");
        await Task.Delay(1000);
        Assert.False(publish.IsCompleted, "the publish waits while no broker is reachable");
        kafka.SetBrokerUp();
        await publish;

        var receiver = await harness.OpenReceiverAsync(harness.Mapper.GetPartition(Stream));
        var events = await AdapterHarness.ReadAsync(receiver, 2);
        Assert.Equal(["before", "during"], events.Select(e => (string)e.Event!));
        Assert.Empty(await receiver.GetQueueMessagesAsync(100, CancellationToken.None)); // no duplicate
    }

    [Fact]
    public async Task An_outage_longer_than_the_message_timeout_fails_the_publish_and_publishing_recovers()
    {
        await using var kafka = MockKafkaCluster.Start();
        var options = Options(kafka, messageTimeoutMs: 1500);
        await using var harness = await AdapterHarness.StartAsync(options);
        await harness.PublishAsync(Stream, "before");

        kafka.SetBrokerDown();
        var error = await Assert.ThrowsAsync<ProduceException<byte[], byte[]>>(() => harness.PublishAsync(Stream, "lost"));
        Assert.Equal(ErrorCode.Local_MsgTimedOut, error.Error.Code);

        kafka.SetBrokerUp();
        await harness.PublishAsync(Stream, "after");

        var receiver = await harness.OpenReceiverAsync(harness.Mapper.GetPartition(Stream));
        var events = await AdapterHarness.ReadAsync(receiver, 2);
        Assert.Equal(["before", "after"], events.Select(e => (string)e.Event!));
    }

    private static KafkaStreamOptions Options(MockKafkaCluster kafka, int messageTimeoutMs)
    {
        var topic = $"outage-{Guid.NewGuid():N}";
        kafka.CreateTopic(topic, partitions: 2, replicationFactor: 3);
        return new KafkaStreamOptions
        {
            BootstrapServers = kafka.BootstrapServers,
            Topic = topic,
            Partitions = 2,
            ConsumerGroupId = $"{topic}-orleans",
            ProducerConfig = new()
            {
                ["message.timeout.ms"] = messageTimeoutMs.ToString(),
                // Reconnect quickly once the brokers are back (librdkafka backs off up to 10 s by default).
                ["reconnect.backoff.max.ms"] = "200",
            },
        };
    }
}
