using System.Collections.Concurrent;
using Grains;

namespace Tests.Grains;

/// <summary>
/// The grain cluster's change feed: remembers every session-ended announcement, and fails those of the
/// sessions a test names, as a publish to a Redis that went away does.
/// </summary>
public sealed class RecordingChangeFeed : IChangeFeed
{
    private static readonly ConcurrentDictionary<Guid, byte> Failing = new();
    private static readonly ConcurrentDictionary<Guid, int> Announced = new();

    public static void FailAnnouncementsOf(Guid sessionId) => Failing[sessionId] = 0;

    public static void Heal(Guid sessionId) => Failing.TryRemove(sessionId, out _);

    /// <summary>How often the end of this session reached the front ends.</summary>
    public static int AnnouncementsOf(Guid sessionId) => Announced.GetValueOrDefault(sessionId);

    public Task SessionEnded(Guid sessionId)
    {
        if (Failing.ContainsKey(sessionId))
        {
            throw new IOException($"injected publish failure for session {sessionId}");
        }

        Announced.AddOrUpdate(sessionId, 1, (_, count) => count + 1);
        return Task.CompletedTask;
    }

    public Task UserChanged(Guid userId) => Task.CompletedTask;
}
