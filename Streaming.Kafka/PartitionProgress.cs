namespace Streaming.Kafka;

/// <summary>
/// What one receiver may commit: the first offset it handed to the pulling agent that is not yet delivered,
/// or, with nothing outstanding, the offset after the last record it read. An event the agent gave up on stays
/// outstanding, so the commit never moves past it and the next reader of the partition gets it again.
/// </summary>
internal sealed class PartitionProgress
{
    private readonly Lock _lock = new();
    private readonly SortedSet<long> _outstanding = [];
    private readonly HashSet<long> _undelivered = [];
    private long _nextToRead = -1;
    private long _firstRead = -1;

    /// <summary>A record was read: handed to the agent (<paramref name="handedOver"/>) or settled here (skipped, dead-lettered).</summary>
    public void Read(long offset, bool handedOver)
    {
        lock (_lock)
        {
            if (handedOver) _outstanding.Add(offset);
            if (_firstRead < 0) _firstRead = offset;
            _nextToRead = Math.Max(_nextToRead, offset + 1);
        }
    }

    /// <summary>The agent reported these offsets as done with; those it failed to deliver stay outstanding.</summary>
    public void Released(IEnumerable<long> offsets)
    {
        lock (_lock)
        {
            foreach (var offset in offsets)
            {
                if (!_undelivered.Contains(offset)) _outstanding.Remove(offset);
            }
        }
    }

    /// <summary>The agent gave up delivering this offset (shut down, or a finite delivery limit ran out).</summary>
    public void Undelivered(long offset)
    {
        lock (_lock)
        {
            _undelivered.Add(offset);
        }
    }

    /// <summary>The offset to commit, or null while there is no progress past where this reader started.</summary>
    public long? CommitTarget()
    {
        lock (_lock)
        {
            var target = _outstanding.Count > 0 ? _outstanding.Min : _nextToRead;
            return target > _firstRead ? target : null;
        }
    }
}
