namespace Streaming.Kafka;

/// <summary>
/// Kafka's default key partitioner (the Java client's murmur2, librdkafka's <c>murmur2_random</c>):
/// <c>(murmur2(key) &amp; 0x7fffffff) % partitions</c>. Using the same function means an outside Java producer
/// (or a librdkafka one with <c>partitioner=murmur2_random</c>) that writes with key = stream key lands in the
/// same partition as the provider does.
/// </summary>
public static class KafkaPartitioner
{
    public static int GetPartition(ReadOnlySpan<byte> key, int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        return (Murmur2(key) & 0x7fffffff) % partitions;
    }

    /// <summary>Port of <c>org.apache.kafka.common.utils.Utils.murmur2</c> (seed 0x9747b28c).</summary>
    internal static int Murmur2(ReadOnlySpan<byte> data)
    {
        const uint m = 0x5bd1e995;
        const int r = 24;
        var length = data.Length;
        var h = 0x9747b28cu ^ (uint)length;

        var i = 0;
        for (; i + 4 <= length; i += 4)
        {
            var k = (uint)(data[i] | data[i + 1] << 8 | data[i + 2] << 16 | data[i + 3] << 24);
            k *= m;
            k ^= k >> r;
            k *= m;
            h *= m;
            h ^= k;
        }

        // The Java switch falls through from the highest remaining byte down.
        switch (length - i)
        {
            case 3:
                h ^= (uint)data[i + 2] << 16;
                goto case 2;
            case 2:
                h ^= (uint)data[i + 1] << 8;
                goto case 1;
            case 1:
                h ^= data[i];
                h *= m;
                break;
        }

        h ^= h >> 13;
        h *= m;
        h ^= h >> 15;
        return (int)h;
    }
}
