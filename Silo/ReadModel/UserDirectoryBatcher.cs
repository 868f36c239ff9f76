using Grains.Interfaces.Users;
using Npgsql;

namespace Silo.ReadModel;

/// <summary>
/// Group commit for the read model: events that arrive (from many users' projections) while a batch is being
/// written go together into the next one, one round trip and one transaction, applied in arrival order. A batch
/// that fails is retried one event at a time, so one bad event fails only its own projection.
/// </summary>
internal sealed class UserDirectoryBatcher(NpgsqlDataSource db, string serviceId)
{
    // Only a newer (or the same) version replaces a row, so replays and late arrivals change nothing.
    private const string Upsert = """
        INSERT INTO user_directory (id, name, email, permissions, created_at, updated_at, version, active, service_id)
        VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8)
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
            List<Pending> batch;
            lock (_gate)
            {
                if (_pending.Count == 0)
                {
                    _writing = false;
                    return;
                }

                (batch, _pending) = (_pending, []);
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
        foreach (var (userEvent, _) in events)
        {
            var command = new NpgsqlBatchCommand(Upsert);
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = userEvent.UserId });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userEvent.Data.Name });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userEvent.Data.Email });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. userEvent.Data.Permissions] });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = userEvent.OccurredAt });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = userEvent.Version });
            command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = userEvent.Type != UserEvent.Deleted });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
            batch.BatchCommands.Add(command);
        }

        await batch.ExecuteNonQueryAsync();
    }

    private sealed record Pending(UserEvent Event, TaskCompletionSource Done);
}
