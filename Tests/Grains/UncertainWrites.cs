using System.Collections.Concurrent;
using Orleans.Runtime;
using Orleans.Storage;

namespace Tests.Grains;

/// <summary>
/// The users' grain storage of the test cluster, able to do what a timed-out database write does: store the
/// state and still report failure, or take its time (held until the test lets it go). Armed per grain, so other
/// tests sharing the cluster are untouched.
/// </summary>
public sealed class UncertainWrites(IGrainStorage inner) : IGrainStorage
{
    private static readonly ConcurrentDictionary<GrainId, bool> Armed = new();
    private static readonly ConcurrentDictionary<GrainId, int> Writes = new();
    private static readonly ConcurrentDictionary<GrainId, HeldWrite> Held = new();
    private static readonly ConcurrentDictionary<GrainId, ConcurrentQueue<long>> Versions = new();

    /// <summary>The user versions the grain's stored writes carried, in order.</summary>
    public static long[] VersionsWritten(GrainId grain) => Versions.TryGetValue(grain, out var v) ? [.. v] : [];

    /// <summary>The grain's next write waits, once it has begun, until the test releases it: a slow database.</summary>
    public static HeldWrite HoldNextWrite(GrainId grain) => Held[grain] = new HeldWrite();

    /// <summary>How many writes of the grain were stored.</summary>
    public static int WritesOf(GrainId grain) => Writes.GetValueOrDefault(grain);

    /// <summary>The grain's next write is stored, then reported as failed.</summary>
    public static void StoreThenFailNextWrite(GrainId grain) => Armed[grain] = true;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (Held.TryRemove(grainId, out var held))
        {
            held.Begun.SetResult();
            await held.Release.Task;
        }

        await inner.WriteStateAsync(stateName, grainId, grainState);
        if (grainState.State is global::Grains.Users.UserState user)
        {
            Versions.GetOrAdd(grainId, _ => new()).Enqueue(user.Version);
        }

        Writes.AddOrUpdate(grainId, 1, (_, n) => n + 1);
        if (Armed.TryRemove(grainId, out _))
        {
            throw new TimeoutException("the database did not answer in time (the write was stored)");
        }
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);
}
