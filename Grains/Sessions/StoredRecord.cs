namespace Grains.Sessions;

/// <summary>
/// One record a <see cref="RecordShard{TState}"/> holds in memory: its stored state with the storage's ETag, and the
/// tail of its queue of operations. Small on purpose: a silo holds one per active session.
/// </summary>
public sealed class StoredRecord<TState>(Guid id, GrainId grainId)
    where TState : class, new()
{
    public Guid Id { get; } = id;

    /// <summary>The record's key in storage: the GrainId the record's own grain had, so the stored keys are unchanged.</summary>
    public GrainId GrainId { get; } = grainId;

    internal GrainState<TState> Stored { get; } = new(new TState());

    /// <summary>Never null: set when made and after every read (a provider may leave null for a missing record).</summary>
    public TState State => Stored.State!;

    internal bool Loaded { get; set; }

    /// <summary>
    /// Since when the record holds a change not yet written (a session's activity, written at most once a minute);
    /// null when memory and storage agree.
    /// </summary>
    public DateTimeOffset? UnsavedSince { get; set; }

    /// <summary>Operations queued or running; the record leaves memory only at zero.</summary>
    internal int Pending { get; set; }

    /// <summary>What the next operation waits for; a completed task once the queue ran dry, so nothing is held when idle.</summary>
    internal Task Tail { get; set; } = Task.CompletedTask;

    internal DateTimeOffset LastUsed { get; set; }
}
