using System.Buffers.Binary;

namespace Grains.Interfaces.Sessions;

/// <summary>
/// Which shard grain hosts a record (a session, a user's session list): sessions are many and small, so they live
/// as records inside a fixed set of shard activations rather than as an activation each.
/// </summary>
public static class RecordShards
{
    /// <summary>
    /// Enough to spread the records over every silo and core of a large cluster; few enough that the shards' own
    /// activations (a few KB each) cost little. Every client and silo must agree: change it only with the whole
    /// cluster stopped, or a record would be hosted by two shards at once.
    /// </summary>
    public const int Count = 1024;

    /// <summary>The shard of record <paramref name="id"/>; stable across processes and releases (not string.GetHashCode).</summary>
    public static long Of(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes);
        return BinaryPrimitives.ReadUInt32LittleEndian(bytes) % Count;
    }
}
