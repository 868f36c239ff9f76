namespace Grains.Sessions;

/// <summary>When the shards' records leave memory (<see cref="RecordShard{TState}"/>).</summary>
public sealed class RecordShardOptions
{
    /// <summary>How often each shard looks for idle records.</summary>
    public TimeSpan SweepEvery { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a record stays in memory unused. A live session is checked on every request, so it stays while used;
    /// a user's list, needed only at login, logout and listing, leaves soon after.
    /// </summary>
    public TimeSpan IdleAfter { get; set; } = TimeSpan.FromMinutes(3);

    public static bool IsValid(RecordShardOptions o) => o.SweepEvery > TimeSpan.Zero && o.IdleAfter > TimeSpan.Zero;
}
