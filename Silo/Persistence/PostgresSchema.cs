using Npgsql;

namespace Silo.Persistence;

/// <summary>Creates (or brings up to date) the tables and queries Orleans' ADO.NET storage needs.</summary>
public static class PostgresSchema
{
    // Any constant shared by every silo: the lock makes concurrent starts run the script one at a time.
    private const long AdvisoryLockKey = 0x4f726c65616e73;

    public static async Task EnsureCreatedAsync(string connectionString, CancellationToken cancellationToken)
    {
        var script = await LoadScript();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue("key", AdvisoryLockKey);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var command = new NpgsqlCommand(script, connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task<string> LoadScript()
    {
        await using var stream = typeof(PostgresSchema).Assembly.GetManifestResourceStream("PostgresSchema.sql")
            ?? throw new InvalidOperationException("The PostgresSchema.sql resource is missing from the build.");
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }
}
