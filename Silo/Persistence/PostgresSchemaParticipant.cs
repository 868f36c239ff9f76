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
            catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.LockNotAvailable && DateTime.UtcNow < deadline)
            {
                // The attempt let go of every lock it held: a long transaction on a table delays this start, not the cluster's writes.
                logger.LogWarning("Bringing the PostgreSQL schema up to date waited {Timeout} for a table lock that another transaction holds; retrying", PostgresSchema.LockTimeout);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
            catch (Npgsql.NpgsqlException e) when (e.IsTransient && DateTime.UtcNow < deadline)
            {
                logger.LogWarning("PostgreSQL is not reachable yet ({Reason}); retrying", e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }
}
