using System.Text.RegularExpressions;
using Confluent.Kafka;
using Orleans.Runtime;
using Streaming.Kafka.Tests.Infrastructure;
using Streaming.Kafka.Testing;

namespace Streaming.Kafka.Tests;

/// <summary>
/// What a publisher sees while brokers misbehave. Each test owns its mock cluster because it changes the brokers.
/// </summary>
public sealed partial class KafkaBrokerOutageTests
{
    private static readonly StreamId Stream = StreamId.Create("user-events", "user-9");

    // The broker stores the record but its answer comes after the producer's request timeout, so the producer
    // sends the same record again. A real broker drops the copy because it carries the same producer id and
    // sequence number (idempotence); librdkafka's mock broker does not implement that check and stores both,
    // so what is asserted is what makes the broker's check possible: the retry repeats id, epoch and sequence.
    // Without enable.idempotence the records carry no producer id and this fails.
    [Fact]
    public async Task A_publish_whose_acknowledgement_was_lost_is_retried_as_the_same_idempotent_record()
    {
        await using var kafka = MockKafkaCluster.Start();
        var options = Options(kafka, messageTimeoutMs: 20_000);
        options.ProducerConfig["socket.timeout.ms"] = "1000";
        options.PublishTimeout = TimeSpan.FromSeconds(30); // this test waits for the retry's acknowledgement
        options.ProducerConfig["retry.backoff.ms"] = "100";
        options.ProducerConfig["debug"] = "msg";
        var logs = new RecordedLogs();
        await using var harness = await AdapterHarness.StartAsync(options, logs.Factory());
        await harness.PublishAsync(Stream, "before");

        kafka.SetBrokerRoundTrip(TimeSpan.FromMilliseconds(2500));
        var publish = harness.PublishAsync(Stream, "during");
        // The broker performs a request on arrival, so a request that timed out in flight was stored; the producer retries it.
        await logs.WaitFor(line => line.Contains("Timed out ProduceRequest in flight", StringComparison.Ordinal));
        kafka.SetBrokerRoundTrip(TimeSpan.Zero);
        await publish;

        var sends = logs.Lines.Select(line => ProduceLine().Match(line)).Where(m => m.Success && m.Groups["msgid"].Value == "2").ToList();
        Assert.True(sends.Count >= 2, $"expected the record to be sent again, saw {sends.Count} send(s)");
        Assert.Single(sends.Select(m => m.Groups["identity"].Value).Distinct());
        Assert.DoesNotContain("Id:-1", sends[0].Groups["identity"].Value);
        var stored = ReadWholePartition(options);
        Assert.Equal("before", stored[0]);
        Assert.All(stored.Skip(1), value => Assert.Equal("during", value));
    }

    [GeneratedRegex(@"Produce MessageSet with 1 message\(s\) \(.*MsgId (?<msgid>\d+), (?<identity>BaseSeq \d+, PID\{Id:-?\d+,Epoch:-?\d+\})")]
    private static partial Regex ProduceLine();

    [Fact]
    public async Task During_an_outage_publishes_fail_and_once_kafka_answers_publishing_resumes()
    {
        await using var kafka = MockKafkaCluster.Start();
        var options = Options(kafka, messageTimeoutMs: 1500);
        await using var harness = await AdapterHarness.StartAsync(options);
        await harness.PublishAsync(Stream, "before");

        kafka.SetBrokerDown();
        // Refused at once by the breaker once the producer saw all brokers down, or failed at the message timeout.
        var error = await Assert.ThrowsAnyAsync<Exception>(() => harness.PublishAsync(Stream, "lost"));
        Assert.True(error is KafkaUnavailableException or ProduceException<byte[], byte[]>, error.ToString());
        Assert.False(harness.Factory.Status.CanPublish);
        await Assert.ThrowsAsync<KafkaUnavailableException>(() => harness.PublishAsync(Stream, "refused"));

        kafka.SetBrokerUp();
        await harness.WaitUntilPublishingAsync();
        // As an outbox does: the producer's own connections may come back a moment after the breaker's probe.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await harness.PublishAsync(Stream, "after");
                break;
            }
            catch (Exception e) when (attempt < 20 && e is KafkaUnavailableException or ProduceException<byte[], byte[]>)
            {
                await harness.WaitUntilPublishingAsync();
            }
        }

        Assert.Equal(["before", "after"], ReadWholePartition(options));
    }

    /// <summary>Every record of the stream's partition, read up to the partition's end (not up to a timeout).</summary>
    private static List<string> ReadWholePartition(KafkaStreamOptions options)
    {
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = options.BootstrapServers,
            GroupId = $"probe-{Guid.NewGuid():N}",
            EnablePartitionEof = true,
            FetchWaitMaxMs = 10,
        }).Build();
        var partition = new KafkaQueueMapper(AdapterHarness.ProviderName, options.Partitions).GetPartition(Stream);
        consumer.Assign(new TopicPartitionOffset(options.Topic, partition, Offset.Beginning));
        var values = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var record = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (record is null) continue;
            if (record.IsPartitionEOF) return values;
            values.Add(record.Message.Value);
        }

        Assert.Fail("The partition's end was never reached");
        return values;
    }

    private static KafkaStreamOptions Options(MockKafkaCluster kafka, int messageTimeoutMs)
    {
        var topic = $"outage-{Guid.NewGuid():N}";
        kafka.CreateStreamTopics(topic, partitions: 2, replicationFactor: 3);
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
            AdminTimeout = TimeSpan.FromSeconds(2),
        };
    }
}
