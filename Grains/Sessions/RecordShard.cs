using Orleans.Storage;

namespace Grains.Sessions;

/// <summary>
/// Many small records of one kind hosted in one activation instead of one activation each: Orleans' own cost per
/// activation (about 2-3 KB) is more than a session's whole state. Each record is read lazily and written through
/// <paramref name="storage"/> under the GrainId its own grain had (<paramref name="recordType"/> and the record's
/// id) and the same state name, so the stored keys and bytes are those of a grain per record.
/// </summary>
/// <remarks>
/// The hosting grain is reentrant and calls this on its own scheduler, one turn at a time, so nothing here locks.
/// Each record's operations run one at a time and in order (what a non-reentrant grain per record gave); operations
/// on different records interleave, so one record's slow storage holds up no other.
/// </remarks>
public sealed class RecordShard<TState>(
    IGrainStorage storage,
    GrainType recordType,
    string stateName,
    TimeProvider time,
    Action<TState>? afterRead = null)
    where TState : class, new()
{
    private readonly Dictionary<Guid, StoredRecord<TState>> _records = [];

    public int InMemory => _records.Count;

    /// <summary>The storage key of record <paramref name="id"/>: its own grain's GrainId.</summary>
    public GrainId GrainIdOf(Guid id) => GrainId.Create(recordType, GrainIdKeyExtensions.CreateGuidKey(id));

    /// <summary>Runs <paramref name="operation"/> on record <paramref name="id"/> (read first if not in memory) after the record's earlier operations.</summary>
    public Task<TResult> Run<TResult>(Guid id, Func<StoredRecord<TState>, Task<TResult>> operation)
    {
        if (!_records.TryGetValue(id, out var record))
        {
            record = new StoredRecord<TState>(id, GrainIdOf(id));
            _records.Add(id, record);
        }

        record.Pending++;
        var run = After(record.Tail, record, operation);
        record.Tail = run;
        return run;
    }

    public Task Run(Guid id, Func<StoredRecord<TState>, Task> operation) =>
        Run(id, async record =>
        {
            await operation(record);
            return true;
        });

    /// <summary>
    /// Replaces the record's state with <paramref name="next"/> and stores it; the record holds it only once the store
    /// took it. After a failure the stored state is unknown (a timeout may still have stored it), so the record is
    /// read back before its next operation, as a grain whose write failed is reactivated.
    /// </summary>
    public async Task Write(StoredRecord<TState> record, TState next)
    {
        var current = record.Stored.State;
        record.Stored.State = next;
        try
        {
            await storage.WriteStateAsync(stateName, record.GrainId, record.Stored);
            record.UnsavedSince = null;
        }
        catch
        {
            record.Stored.State = current;
            record.Loaded = false;
            throw;
        }
    }

    /// <summary>
    /// Drops the records idle for <paramref name="idleFor"/> (all of them when zero); those with unsaved changes are
    /// written first, through their queue. When that write fails the unsaved change is lost, as after a silo loss:
    /// only what may be lost that way (a session's last activity, at most a minute of it) is ever left unsaved.
    /// </summary>
    public async Task Evict(TimeSpan idleFor)
    {
        var now = time.GetUtcNow();
        var idle = _records.Values.Where(r => r.Pending == 0 && now - r.LastUsed >= idleFor).ToList();
        var flushes = new List<Task>();
        foreach (var record in idle)
        {
            if (record.UnsavedSince is not null)
            {
                flushes.Add(Run(record.Id, r => r.UnsavedSince is not null && r.Loaded ? Write(r, r.State) : Task.CompletedTask));
            }
            else
            {
                _records.Remove(record.Id);
            }
        }

        try
        {
            await Task.WhenAll(flushes);
        }
        finally
        {
            // Written meanwhile (or not loaded any more): gone unless a new operation arrived during the write.
            foreach (var record in idle.Where(r => r.Pending == 0 && (r.UnsavedSince is null || !r.Loaded)))
            {
                // Only this very record: once removed, a later call for its id may have made a new one.
                if (_records.TryGetValue(record.Id, out var held) && held == record)
                {
                    _records.Remove(record.Id);
                }
            }
        }
    }

    private async Task<TResult> After<TResult>(Task previous, StoredRecord<TState> record, Func<StoredRecord<TState>, Task<TResult>> operation)
    {
        try
        {
            try
            {
                await previous;
            }
            catch
            {
                // The earlier operation's failure was its own caller's; this one starts afresh.
            }

            if (!record.Loaded)
            {
                await storage.ReadStateAsync(stateName, record.GrainId, record.Stored);
                record.Stored.State ??= new TState();
                afterRead?.Invoke(record.Stored.State);
                record.UnsavedSince = null;
                record.Loaded = true;
            }

            return await operation(record);
        }
        finally
        {
            record.LastUsed = time.GetUtcNow();
            if (--record.Pending == 0)
            {
                // Nothing left to wait for: the finished task (and its result) is not kept alive by an idle record.
                record.Tail = Task.CompletedTask;
            }
        }
    }
}
