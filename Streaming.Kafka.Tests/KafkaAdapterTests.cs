using System.Text;
using Confluent.Kafka;
using Orleans.Runtime;
using Streaming.Kafka.Tests.Infrastructure;

namespace Streaming.Kafka.Tests;

/// <summary>The adapter and its receivers against the mock cluster, with the test in the pulling agent's seat.</summary>
public sealed class KafkaAdapterTests(MockKafkaFixture fixture) : IClassFixture<MockKafkaFixture>
{
    private const string Namespace = "user-events";

    [Fact]
    public async Task Events_of_one_key_stay_in_its_partition_in_publish_order()
    {
        var options = fixture.NewTopic("order", partitions: 4);
        await using var harness = await AdapterHarness.StartAsync(options);
        string[] users = ["alice", "bob", "carol"];

        // Not awaited one by one: the producer pipelines them, idempotence must still keep the order.
        await Task.WhenAll(Enumerable.Range(0, 60).Select(i =>
            harness.PublishAsync(StreamId.Create(Namespace, users[i % 3]), $"{users[i % 3]}:{i / 3}")));

        foreach (var user in users)
        {
            var partition = harness.Mapper.GetPartition(StreamId.Create(Namespace, user));
            var receiver = await harness.OpenReceiverAsync(partition);
            var sameQueueUsers = users.Count(u => harness.Mapper.GetPartition(StreamId.Create(Namespace, u)) == partition);
            var events = await AdapterHarness.ReadAsync(receiver, 20 * sameQueueUsers);

            var mine = events.Where(e => e.StreamId.GetKeyAsString() == user).ToList();
            Assert.Equal(Enumerable.Range(0, 20).Select(i => $"{user}:{i}"), mine.Select(e => (string)e.Event!));
            Assert.True(mine.Select(e => e.Offset).SequenceEqual(mine.Select(e => e.Offset).Order()), "offsets must grow");
            await harness.CloseReceiverAsync(receiver);
        }
    }

    [Fact]
    public async Task Keys_land_where_Kafkas_default_Java_partitioner_puts_them()
    {
        var options = fixture.NewTopic("partitioner", partitions: 7);
        // librdkafka's murmur2_random is the Java client's default partitioner.
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = options.BootstrapServers,
            Partitioner = Partitioner.Murmur2Random,
        }).Build();

        for (var i = 0; i < 40; i++)
        {
            var key = $"user-{i}";
            var delivered = await producer.ProduceAsync(options.Topic, new Message<string, string> { Key = key, Value = "{}" });
            Assert.Equal(KafkaPartitioner.GetPartition(Encoding.UTF8.GetBytes(key), 7), delivered.Partition.Value);
        }
    }

    [Fact]
    public async Task Records_are_plain_for_outside_consumers_and_round_trip_with_their_type()
    {
        var options = fixture.NewTopic("format", partitions: 2);
        await using var harness = await AdapterHarness.StartAsync(options);
        var stream = StreamId.Create(Namespace, "user-42");
        const string json = """{"type":"login","user":"user-42"}""";

        await harness.PublishAsync(stream, json, new Dictionary<string, object> { ["trace"] = "abc" });
        await harness.PublishAsync(stream, new byte[] { 1, 2, 3 });
        await harness.PublishAsync(stream, new ScoreChanged("user-42", 7));

        var records = KafkaProbe.ReadTopic(options.BootstrapServers, options.Topic, options.Partitions, 3);
        Assert.Equal(3, records.Count);
        Assert.All(records, r => Assert.Equal("user-42", r.Message.Key));
        Assert.All(records, r => Assert.Equal(harness.Mapper.GetPartition(stream), r.Partition.Value));
        Assert.All(records, r => Assert.Equal(Namespace, KafkaProbe.Header(r, KafkaMessageFormat.NamespaceHeader)));
        Assert.Equal(json, records[0].Message.Value);
        Assert.Equal(
            [KafkaMessageFormat.StringPayload, KafkaMessageFormat.BytesPayload, KafkaMessageFormat.OrleansPayload],
            records.Select(r => KafkaProbe.Header(r, KafkaMessageFormat.PayloadTypeHeader)));
        Assert.NotEqual("<missing>", KafkaProbe.Header(records[0], KafkaMessageFormat.RequestContextHeader));
        Assert.Equal("<missing>", KafkaProbe.Header(records[1], KafkaMessageFormat.RequestContextHeader));

        var receiver = await harness.OpenReceiverAsync(harness.Mapper.GetPartition(stream));
        var events = await AdapterHarness.ReadAsync(receiver, 3);
        Assert.All(events, e => Assert.Equal(stream, e.StreamId));
        Assert.Equal(json, events[0].GetEvents<string>().Single().Item1);
        Assert.Equal(new byte[] { 1, 2, 3 }, events[1].GetEvents<byte[]>().Single().Item1);
        Assert.Equal(new ScoreChanged("user-42", 7), events[2].GetEvents<ScoreChanged>().Single().Item1);
        Assert.Empty(events[2].GetEvents<string>()); // a subscriber of another type sees nothing, no cast error

        RequestContext.Clear();
        Assert.True(events[0].ImportRequestContext());
        Assert.Equal("abc", RequestContext.Get("trace"));
        Assert.False(events[1].ImportRequestContext());
    }

    [Fact]
    public async Task Offsets_are_committed_only_after_delivery_and_a_new_receiver_resumes_there()
    {
        var options = fixture.NewTopic("commit", partitions: 1);
        await using var harness = await AdapterHarness.StartAsync(options);
        var stream = StreamId.Create(Namespace, "user-1");
        for (var i = 0; i < 10; i++) await harness.PublishAsync(stream, $"e{i}");

        var first = await harness.OpenReceiverAsync(0);
        var read = await AdapterHarness.ReadAsync(first, 10);
        Assert.Equal(Offset.Unset, Committed(options));            // read is not delivered

        await first.MessagesDeliveredAsync([.. read.Take(6)], CancellationToken.None);
        await AdapterHarness.WaitForCommitAsync(options, 0, 6);   // next offset to read
        await harness.CloseReceiverAsync(first);                   // "silo stops" with e6..e9 undelivered

        var second = await harness.OpenReceiverAsync(0);
        var rest = await AdapterHarness.ReadAsync(second, 4);
        Assert.Equal(["e6", "e7", "e8", "e9"], rest.Select(e => (string)e.Event!)); // nothing lost, nothing repeated
        Assert.Equal([6L, 7, 8, 9], rest.Select(e => e.Offset));
        await second.MessagesDeliveredAsync([.. rest], CancellationToken.None);
        await harness.CloseReceiverAsync(second);

        await harness.PublishAsync(stream, "e10");
        var third = await harness.OpenReceiverAsync(0);
        var next = await AdapterHarness.ReadAsync(third, 1);
        Assert.Equal("e10", next.Single().Event);
    }

    [Fact]
    public async Task An_undelivered_batch_is_read_again_by_the_next_receiver()
    {
        var options = fixture.NewTopic("redeliver", partitions: 1);
        await using var harness = await AdapterHarness.StartAsync(options);
        var stream = StreamId.Create(Namespace, "user-2");
        for (var i = 0; i < 5; i++) await harness.PublishAsync(stream, $"e{i}");

        var first = await harness.OpenReceiverAsync(0);
        var firstRead = await AdapterHarness.ReadAsync(first, 5);
        await harness.CloseReceiverAsync(first);                   // crash before delivery: no commit

        var second = await harness.OpenReceiverAsync(0);
        var secondRead = await AdapterHarness.ReadAsync(second, 5);

        Assert.Equal(firstRead.Select(e => (e.Offset, e.Event)), secondRead.Select(e => (e.Offset, e.Event)));
        Assert.Equal(Offset.Unset, Committed(options));
    }

    private static Offset Committed(KafkaStreamOptions options) =>
        KafkaProbe.CommittedOffset(options.BootstrapServers, options.ConsumerGroupId, options.Topic, 0);
}
