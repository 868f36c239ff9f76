using System.Collections.Concurrent;
using Orleans.Runtime;
using Orleans.Storage;

namespace Tests.Grains;

/// <summary>
/// The users' grain storage of the test cluster, able to do what a timed-out database write does: store the
/// state and still report failure. Armed per grain, so other tests sharing the cluster are untouched.
/// </summary>
public sealed class UncertainWrites(IGrainStorage inner) : IGrainStorage
{
    private static readonly ConcurrentDictionary<GrainId, bool> Armed = new();
    private static readonly ConcurrentDictionary<GrainId, int> Writes = new();

    /// <summary>How many writes of the grain were stored.</summary>
    public static int WritesOf(GrainId grain) => Writes.GetValueOrDefault(grain);

    /// <summary>The grain's next write is stored, then reported as failed.</summary>
    public static void StoreThenFailNextWrite(GrainId grain) => Armed[grain] = true;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await inner.WriteStateAsync(stateName, grainId, grainState);
        Writes.AddOrUpdate(grainId, 1, (_, n) => n + 1);
        if (Armed.TryRemove(grainId, out _))
        {
            throw new TimeoutException("the database did not answer in time (the write was stored)");
        }
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);
}
