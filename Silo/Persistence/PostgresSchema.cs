using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Silo.Persistence;

/// <summary>
/// Creates (or brings up to date) the tables and queries Orleans' ADO.NET storage needs.
/// <para>The script runs only when the database has not seen this very script (its SHA-256 is recorded in
/// <c>schema_version</c>). Even an idempotent DDL statement takes its table lock before it finds there is nothing
/// to do, and holds it to the end of the transaction: a silo that ran the script at every start, while some long
/// transaction held the read model's rows, held a lock on the grain state and waited behind that transaction, and
/// every grain write of every silo waited behind the starting one.</para>
/// <para>When the script must run, no statement waits longer than <see cref="LockTimeout"/> for a lock: the
/// attempt fails with <c>lock_not_available</c>, its transaction lets go of what it held, and the caller retries.</para>
/// </summary>
public static class PostgresSchema
{
    /// <summary>How long one statement of the script may wait for a table lock before the attempt gives up.</summary>
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(3);

    // Any constant shared by every silo: the lock makes concurrent starts run the script one at a time.
    private const long AdvisoryLockKey = 0x4f726c65616e73;

    public static async Task EnsureCreatedAsync(string connectionString, CancellationToken cancellationToken)
    {
        var script = await LoadScript();
        var version = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(script)));
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        if (await IsApplied(connection, null, version, cancellationToken))
        {
            return;
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Execute(connection, transaction, "SELECT pg_advisory_xact_lock(@key)", ("key", AdvisoryLockKey), cancellationToken);
        // Another silo may have run it while this one waited for the advisory lock.
        if (!await IsApplied(connection, transaction, version, cancellationToken))
        {
            await Execute(connection, transaction, $"SET LOCAL lock_timeout = {(int)LockTimeout.TotalMilliseconds}", null, cancellationToken);
            await Execute(connection, transaction, script, null, cancellationToken);
            await Execute(connection, transaction, "INSERT INTO schema_version (script_sha256) VALUES (@version) ON CONFLICT DO NOTHING",
                ("version", version), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task<bool> IsApplied(NpgsqlConnection connection, NpgsqlTransaction? transaction, string version, CancellationToken cancellationToken)
    {
        // Asked apart: a query naming a missing table would fail, and inside a transaction end it.
        await using var exists = new NpgsqlCommand("SELECT to_regclass('schema_version') IS NOT NULL", connection, transaction);
        if (await exists.ExecuteScalarAsync(cancellationToken) is not true)
        {
            return false;
        }

        await using var applied = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM schema_version WHERE script_sha256 = @version)", connection, transaction);
        applied.Parameters.AddWithValue("version", version);
        return await applied.ExecuteScalarAsync(cancellationToken) is true;
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, (string Name, object Value)? parameter, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        if (parameter is var (name, value))
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<string> LoadScript()
    {
        await using var stream = typeof(PostgresSchema).Assembly.GetManifestResourceStream("PostgresSchema.sql")
            ?? throw new InvalidOperationException("The PostgresSchema.sql resource is missing from the build.");
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }
}
