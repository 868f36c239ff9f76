using Confluent.Kafka;

namespace Streaming.Kafka.Tests.Infrastructure;

/// <summary>Looks at the topic the way an outside Kafka client would: plain Confluent.Kafka, no Orleans.</summary>
public static class KafkaProbe
{
    /// <summary>Reads every partition from the beginning until <paramref name="count"/> records arrived.</summary>
    public static List<ConsumeResult<string, string>> ReadTopic(string bootstrapServers, string topic, int partitions, int count)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"probe-{Guid.NewGuid():N}", // required by the client, never joined or committed
            EnableAutoCommit = false,
        };
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));

        var records = new List<ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (records.Count < count && DateTime.UtcNow < deadline)
        {
            var record = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (record is not null) records.Add(record);
        }
        consumer.Close();
        return records;
    }

    /// <summary>The offset the group committed for a partition (<see cref="Offset.Unset"/> when none).</summary>
    public static Offset CommittedOffset(string bootstrapServers, string groupId, string topic, int partition)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = groupId,
            EnableAutoCommit = false,
        }).Build();
        return consumer.Committed([new TopicPartition(topic, partition)], TimeSpan.FromSeconds(10)).Single().Offset;
    }

    /// <summary>How many records a partition holds (its high watermark): exact, no waiting for "nothing more".</summary>
    public static long StoredRecords(string bootstrapServers, string topic, int partition)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = "watermarks" }).Build();
        return consumer.QueryWatermarkOffsets(new TopicPartition(topic, partition), TimeSpan.FromSeconds(10)).High.Value;
    }

    public static string Header(ConsumeResult<string, string> record, string name) =>
        record.Message.Headers.TryGetLastBytes(name, out var bytes) ? System.Text.Encoding.UTF8.GetString(bytes) : "<missing>";
}
