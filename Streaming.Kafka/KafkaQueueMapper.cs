using Orleans.Runtime;
using Orleans.Streams;

namespace Streaming.Kafka;

/// <summary>
/// Kafka partitions are the Orleans stream queues: queue i (<see cref="QueueId.GetNumericId"/> == i) reads partition i.
/// A stream goes to the partition Kafka's default partitioner picks for its key, so every event of one key
/// (e.g. one user) is in one partition and keeps its order. The namespace is deliberately not hashed, so
/// streams of different namespaces with the same key share a partition too.
/// It implements the consistent-ring contract because Orleans' default queue balancer requires it.
/// </summary>
public sealed class KafkaQueueMapper : IConsistentRingStreamQueueMapper
{
    private readonly QueueId[] _queues;

    public KafkaQueueMapper(string providerName, int partitions)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(providerName);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);

        // Spread the queues evenly over the 2^32 ring so the balancer splits them evenly between silos.
        _queues = new QueueId[partitions];
        for (var i = 0; i < partitions; i++)
        {
            var ringPosition = (uint)(((ulong)i << 32) / (ulong)partitions);
            _queues[i] = QueueId.GetQueueId(providerName, (uint)i, ringPosition);
        }
    }

    public int PartitionCount => _queues.Length;

    public IEnumerable<QueueId> GetAllQueues() => _queues;

    public QueueId GetQueueForStream(StreamId streamId) => _queues[GetPartition(streamId)];

    public IEnumerable<QueueId> GetQueuesForRange(IRingRange range) =>
        _queues.Where(queue => range.InRange(queue.GetUniformHashCode())).ToList();

    /// <summary>The Kafka partition of a stream: a pure function of the stream key bytes (UTF-8 of the key string).</summary>
    public int GetPartition(StreamId streamId) => KafkaPartitioner.GetPartition(streamId.Key.Span, _queues.Length);

    /// <summary>The Kafka partition a queue reads.</summary>
    public int GetPartition(QueueId queueId)
    {
        var partition = (int)queueId.GetNumericId();
        if (partition >= _queues.Length || _queues[partition] != queueId)
            throw new ArgumentOutOfRangeException(nameof(queueId), $"Queue {queueId} does not belong to this mapper.");
        return partition;
    }

    public override string ToString() => $"{nameof(KafkaQueueMapper)}({_queues.Length} partitions)";
}
