namespace Silo.Persistence;

/// <summary>
/// Creates the ADO.NET storage schema before the storage providers start, waiting for PostgreSQL to
/// accept connections (a container may start before the database is ready).
/// </summary>
internal sealed class PostgresSchemaParticipant(string connectionString, ILogger<PostgresSchemaParticipant> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(PostgresSchemaParticipant), ServiceLifecycleStage.RuntimeInitialize, EnsureSchema);

    private async Task EnsureSchema(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            try
            {
                await PostgresSchema.EnsureCreatedAsync(connectionString, cancellationToken);
                logger.LogInformation("PostgreSQL schema is in place");
                return;
            }
            catch (Npgsql.NpgsqlException e) when (e.IsTransient && DateTime.UtcNow < deadline)
            {
                // PostgreSQL not reachable yet, or a table lock another transaction held past the script's lock timeout
                // (lock_not_available, transient to Npgsql): the attempt let go of every lock, so this start waits, not the cluster's writes.
                logger.LogWarning("The PostgreSQL schema step could not finish yet ({Reason}); retrying", e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }
}
