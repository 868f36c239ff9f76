using System.Text;
using Orleans.Runtime;

namespace Streaming.Kafka.Tests;

/// <summary>Kafka partitions are the Orleans queues, and a stream key always lands in the same one.</summary>
public sealed class KafkaQueueMapperTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(12)]
    public void There_is_one_queue_per_partition_and_queue_i_reads_partition_i(int partitions)
    {
        var mapper = new KafkaQueueMapper("kafka", partitions);

        var queues = mapper.GetAllQueues().ToList();

        Assert.Equal(partitions, queues.Count);
        Assert.Equal(Enumerable.Range(0, partitions), queues.Select(mapper.GetPartition));
        Assert.Equal(partitions, queues.Select(q => q.GetUniformHashCode()).Distinct().Count());
    }

    [Fact]
    public void A_stream_key_always_maps_to_the_same_queue_whatever_the_namespace_or_mapper_instance()
    {
        var first = new KafkaQueueMapper("kafka", 8);
        var second = new KafkaQueueMapper("kafka", 8);

        foreach (var user in Enumerable.Range(0, 200).Select(i => $"user-{i}"))
        {
            var queue = first.GetQueueForStream(StreamId.Create("user-events", user));
            Assert.Equal(queue, first.GetQueueForStream(StreamId.Create("user-events", user)));
            Assert.Equal(queue, second.GetQueueForStream(StreamId.Create("user-events", user)));
            Assert.Equal(queue, first.GetQueueForStream(StreamId.Create("audit", user)));
            Assert.Equal(KafkaPartitioner.GetPartition(Encoding.UTF8.GetBytes(user), 8), first.GetPartition(queue));
        }
    }

    [Fact]
    public void Keys_spread_over_every_partition()
    {
        var mapper = new KafkaQueueMapper("kafka", 8);

        var used = Enumerable.Range(0, 1000).Select(i => mapper.GetPartition(StreamId.Create("ns", $"user-{i}"))).Distinct();

        Assert.Equal(8, used.Count());
    }

    // Reference values from Apache Kafka's UtilsTest.testMurmur2, i.e. what the Java client computes.
    [Theory]
    [InlineData("21", -973932308)]
    [InlineData("foobar", -790332482)]
    [InlineData("a-little-bit-long-string", -985981536)]
    [InlineData("a-little-bit-longer-string", -1486304829)]
    [InlineData("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971)]
    [InlineData("abc", 479470107)]
    public void Murmur2_matches_the_Java_client(string key, int expected) =>
        Assert.Equal(expected, KafkaPartitioner.Murmur2(Encoding.UTF8.GetBytes(key)));
}
