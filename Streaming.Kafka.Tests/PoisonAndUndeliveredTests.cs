using System.Text;
using Confluent.Kafka;
using Orleans.Runtime;
using Streaming.Kafka.Tests.Infrastructure;

namespace Streaming.Kafka.Tests;

/// <summary>
/// Records the receiver cannot hand over, and events the pulling agent could not deliver: neither may be
/// committed over without a trace. The test plays the pulling agent.
/// </summary>
public sealed class PoisonAndUndeliveredTests(MockKafkaFixture fixture) : IClassFixture<MockKafkaFixture>
{
    private const string Namespace = "user-events";

    [Fact]
    public async Task An_event_the_agent_gave_up_on_holds_the_commit_and_the_next_receiver_delivers_it_again()
    {
        var options = fixture.NewTopic("gaveup", partitions: 1);
        await using var harness = await AdapterHarness.StartAsync(options);
        var stream = StreamId.Create(Namespace, "user-g");
        for (var i = 0; i < 5; i++) await harness.PublishAsync(stream, $"e{i}");

        var first = await harness.OpenReceiverAsync(0);
        var read = await AdapterHarness.ReadAsync(first, 5);
        var failures = await harness.Factory.GetDeliveryFailureHandler(harness.Mapper.GetAllQueues().Single());
        // What the agent does when MaxEventDeliveryTime runs out: report the failure, then release the event.
        await failures.OnDeliveryFailure(GuidId.GetNewGuidId(), AdapterHarness.ProviderName, stream, read[2].SequenceToken);
        await first.MessagesDeliveredAsync([.. read], CancellationToken.None);
        await AdapterHarness.WaitForCommitAsync(options, 0, 2);
        await harness.CloseReceiverAsync(first);

        var second = await harness.OpenReceiverAsync(0);
        var again = await AdapterHarness.ReadAsync(second, 3);

        Assert.Equal(["e2", "e3", "e4"], again.Select(e => (string)e.Event!));
    }

    [Fact]
    public async Task A_poison_record_goes_to_the_dead_letter_topic_with_the_reason_and_the_partition_moves_on()
    {
        var options = fixture.NewTopic("poison", partitions: 1);
        await using var harness = await AdapterHarness.StartAsync(options);
        var stream = StreamId.Create(Namespace, "user-p");
        await harness.PublishAsync(stream, "before");
        await ProduceRaw(options, "user-p", [0xC3, 0x28], KafkaMessageFormat.StringPayload);     // not UTF-8
        await ProduceRaw(options, "user-p", [0xFF, 0x00, 0x13], KafkaMessageFormat.OrleansPayload); // not Orleans
        await harness.PublishAsync(stream, "after");

        var receiver = await harness.OpenReceiverAsync(0);
        var read = await AdapterHarness.ReadAsync(receiver, 2);
        await receiver.MessagesDeliveredAsync([.. read], CancellationToken.None);

        Assert.Equal(["before", "after"], read.Select(e => (string)e.Event!));
        await AdapterHarness.WaitForCommitAsync(options, 0, 4);
        var dead = KafkaProbe.ReadTopic(options.BootstrapServers, options.Topic + ".dlq", 1, 2);
        Assert.Equal(2, dead.Count);
        Assert.Equal([$"{options.Topic}/0/1", $"{options.Topic}/0/2"], dead.Select(d => KafkaProbe.Header(d, "dlq-source")));
        Assert.All(dead, d => Assert.Equal("user-p", d.Message.Key));
        Assert.Contains("string payload cannot be decoded", KafkaProbe.Header(dead[0], "dlq-reason"));
        Assert.Contains("orleans payload cannot be decoded", KafkaProbe.Header(dead[1], "dlq-reason"));
        Assert.Equal(2, KafkaProbe.StoredRecords(options.BootstrapServers, options.Topic + ".dlq", 0)); // each once
    }

    [Fact]
    public async Task A_bad_context_header_does_not_take_a_valid_event_with_it()
    {
        var options = fixture.NewTopic("context", partitions: 1);
        await using var harness = await AdapterHarness.StartAsync(options);
        await ProduceRaw(options, "user-c", Encoding.UTF8.GetBytes("""{"ok":true}"""), KafkaMessageFormat.StringPayload, context: [0xFF, 0xFF, 0xFF]);

        var receiver = await harness.OpenReceiverAsync(0);
        var read = await AdapterHarness.ReadAsync(receiver, 1);

        Assert.Equal("""{"ok":true}""", read.Single().Event);
        Assert.False(read.Single().ImportRequestContext());
    }

    private static async Task ProduceRaw(KafkaStreamOptions options, string key, byte[] value, string payloadType, byte[]? context = null)
    {
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = options.BootstrapServers }).Build();
        var headers = new Headers
        {
            { KafkaMessageFormat.NamespaceHeader, Encoding.UTF8.GetBytes(Namespace) },
            { KafkaMessageFormat.PayloadTypeHeader, Encoding.UTF8.GetBytes(payloadType) },
        };
        if (context is not null) headers.Add(KafkaMessageFormat.RequestContextHeader, context);
        await producer.ProduceAsync(new TopicPartition(options.Topic, 0), new Message<string, byte[]> { Key = key, Value = value, Headers = headers });
    }
}
