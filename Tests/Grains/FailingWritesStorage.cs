using System.Collections.Concurrent;
using Orleans.Storage;

namespace Tests.Grains;

/// <summary>
/// The grain cluster's session storage: in-memory, except that writes of the records a test names fail, as
/// a write to a Redis that went away does, or take their time (held until the test lets them go). Keyed by record so
/// parallel tests do not feel each other's faults.
/// </summary>
public sealed class FailingWritesStorage(IGrainStorage inner) : IGrainStorage
{
    private static readonly ConcurrentDictionary<Guid, byte> Failing = new();
    private static readonly ConcurrentDictionary<GrainId, HeldWrite> Held = new();

    /// <summary>The record's next write waits, once it has begun, until the test releases it: a slow Redis.</summary>
    public static HeldWrite HoldNextWriteOf(GrainId record) => Held[record] = new HeldWrite();

    public static void FailWritesOf(params Guid[] keys)
    {
        foreach (var key in keys)
        {
            Failing[key] = 0;
        }
    }

    public static void Heal(params Guid[] keys)
    {
        foreach (var key in keys)
        {
            Failing.TryRemove(key, out _);
        }
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (Held.TryRemove(grainId, out var held))
        {
            held.Begun.SetResult();
            await held.Release.Task;
        }

        if (Fails(grainId))
        {
            throw new IOException($"injected write failure for {grainId}");
        }

        await inner.WriteStateAsync(stateName, grainId, grainState);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Fails(grainId) ? throw new IOException($"injected write failure for {grainId}") : inner.ClearStateAsync(stateName, grainId, grainState);

    private static bool Fails(GrainId grainId) => grainId.TryGetGuidKey(out var key, out _) && Failing.ContainsKey(key);
}
