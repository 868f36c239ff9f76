using Grains.Interfaces.Users;
using Npgsql;

namespace Silo.ReadModel;

/// <summary>
/// Group commit for the read model: events that arrive (from many users' projections) within <see cref="Linger"/>
/// of the first, or while a batch is being written, go together into the next one: one round trip and one
/// transaction, and one row write per user (the newest of that user's events; the row is only ever replaced by a
/// newer version anyway). A batch that fails is retried one event at a time, in arrival order, so one bad event
/// fails only its own projection.
/// </summary>
/// <remarks>
/// Without the linger the projections' events, which arrive about one at a time, went one per transaction:
/// 1.1 of the 2.1 PostgreSQL transactions of a PUT (bench S3). The read model is eventually consistent, so a few
/// milliseconds more before a row changes cost nothing a user notices.
/// </remarks>
internal sealed class UserDirectoryBatcher(NpgsqlDataSource db, string serviceId, TimeProvider time)
{
    /// <summary>How long the first event of a batch waits for others.</summary>
    public static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(5);

    // Bounds one statement batch; a longer queue goes on in the next round.
    private const int MaxBatch = 512;

    // Only a newer (or the same) version replaces a row, so replays and late arrivals change nothing.
    private const string Upsert = """
        INSERT INTO user_directory (id, name, email, permissions, created_at, updated_at, version, active, service_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        ON CONFLICT (service_id, id) DO UPDATE
           SET name = EXCLUDED.name, email = EXCLUDED.email, permissions = EXCLUDED.permissions,
               updated_at = EXCLUDED.updated_at, version = EXCLUDED.version, active = EXCLUDED.active
         WHERE user_directory.version <= EXCLUDED.version
        """;

    private readonly Lock _gate = new();
    private List<Pending> _pending = [];
    private bool _writing;

    /// <summary>Completes once the event is in the table (or with the reason it could not be written).</summary>
    public Task Apply(UserEvent userEvent, CancellationToken cancellationToken)
    {
        var pending = new Pending(userEvent, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        bool start;
        lock (_gate)
        {
            _pending.Add(pending);
            start = !_writing;
            _writing = true;
        }

        if (start)
        {
            _ = Task.Run(WriteLoop, CancellationToken.None);
        }

        return pending.Done.Task.WaitAsync(cancellationToken);
    }

    private async Task WriteLoop()
    {
        while (true)
        {
            await Task.Delay(Linger, time);
            List<Pending> batch;
            lock (_gate)
            {
                if (_pending.Count == 0)
                {
                    _writing = false;
                    return;
                }

                if (_pending.Count <= MaxBatch)
                {
                    (batch, _pending) = (_pending, []);
                }
                else
                {
                    batch = _pending[..MaxBatch];
                    _pending.RemoveRange(0, MaxBatch);
                }
            }

            try
            {
                await Write(batch);
                batch.ForEach(p => p.Done.SetResult());
            }
            catch (Exception) when (batch.Count > 1)
            {
                foreach (var one in batch)
                {
                    await WriteAlone(one);
                }
            }
            catch (Exception e)
            {
                batch[0].Done.SetException(e);
            }
        }
    }

    private async Task WriteAlone(Pending one)
    {
        try
        {
            await Write([one]);
            one.Done.SetResult();
        }
        catch (Exception e)
        {
            one.Done.SetException(e);
        }
    }

    private async Task Write(IReadOnlyList<Pending> events)
    {
        // A batch of several statements runs as one implicit transaction, in order.
        await using var connection = await db.OpenConnectionAsync();
        await using var batch = new NpgsqlBatch(connection);
        foreach (var (newest, createdAt) in NewestPerUser(events))
        {
            var command = new NpgsqlBatchCommand(Upsert);
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = newest.UserId });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = newest.Data.Name });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = newest.Data.Email });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. newest.Data.Permissions] });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = createdAt });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = newest.OccurredAt });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = newest.Version });
            command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = newest.Type != UserEvent.Deleted });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
            batch.BatchCommands.Add(command);
        }

        await batch.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Each user's newest event of the batch (by version, then sequence), with the time of that user's first event
    /// in it: a row inserted from this batch was created then, as if the events had been applied one by one.
    /// </summary>
    private static IEnumerable<(UserEvent Newest, DateTimeOffset CreatedAt)> NewestPerUser(IReadOnlyList<Pending> events)
    {
        var users = new Dictionary<Guid, (UserEvent Newest, DateTimeOffset CreatedAt)>(events.Count);
        foreach (var (userEvent, _) in events)
        {
            users[userEvent.UserId] = users.TryGetValue(userEvent.UserId, out var seen)
                ? ((userEvent.Version, userEvent.Sequence).CompareTo((seen.Newest.Version, seen.Newest.Sequence)) >= 0 ? userEvent : seen.Newest, seen.CreatedAt)
                : (userEvent, userEvent.OccurredAt);
        }

        return users.Values;
    }

    private sealed record Pending(UserEvent Event, TaskCompletionSource Done);
}
