using System.Net;
using System.Net.Http.Json;
using Npgsql;
using Silo.Persistence;
using Xunit.Abstractions;

namespace Tests.Operations;

/// <summary>
/// A silo starts while a long transaction reads the users' read model (a report, a dump). A start that ran the schema
/// script again took a table lock on the grain state before it found nothing to do, then waited behind that
/// transaction for the read model's: the new silo never became ready, and every grain write of the cluster queued
/// behind it until the report ended (a CI run showed it as six account deletions timing out at once).
/// </summary>
public sealed class SchemaLockTests(ITestOutputHelper output) : IAsyncLifetime
{
    private ProcessCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ProcessCluster.Start("schema-lock", silos: 1, clientTimeout: TimeSpan.FromSeconds(20));

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_silo_starting_during_a_long_read_of_the_read_model_neither_waits_for_it_nor_holds_up_writes()
    {
        Assert.Equal(HttpStatusCode.Created, (await Register()).StatusCode);

        // What any long SELECT holds until its transaction ends: it conflicts only with DDL on the table.
        await using var report = new NpgsqlConnection(ExternalServices.PostgresConnectionString);
        await report.OpenAsync();
        await using var reading = await report.BeginTransactionAsync();
        await SchemaChangeLockTests.Run(report, reading, "LOCK TABLE user_directory IN ACCESS SHARE MODE");

        // Ready means its schema step is done.
        var joining = _cluster.StartSilo("schema-lock-silo-1");
        await joining.WaitUntilHealthy(seconds: 60);

        var writes = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Register()));
        Assert.All(writes, w => Assert.Equal(HttpStatusCode.Created, w.StatusCode));
        output.WriteLine("the second silo became ready and 5 registrations were stored while the read model's reader still held its lock");
        await reading.RollbackAsync();
    }

    private Task<HttpResponseMessage> Register() =>
        _cluster.Users.PostAsJsonAsync("/user/create", new { name = "Locked Out", email = $"schema-lock-{Guid.NewGuid():N}@example.com", password = "schema lock passphrase" });
}

/// <summary>
/// A release whose schema script changed meets a database where a long transaction holds a table the script alters:
/// the script must give up within its lock timeout and let go of every lock, not queue the cluster's writes behind it.
/// </summary>
public sealed class SchemaChangeLockTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_schema_change_that_cannot_get_its_lock_gives_up_at_once_holding_nothing_and_runs_once_the_lock_is_free()
    {
        // A database of its own: the script's version is taken away here to stand for an upgrade.
        var database = $"schema_lock_{Guid.NewGuid():N}";
        await Admin($"CREATE DATABASE {database}");
        try
        {
            var connectionString = new NpgsqlConnectionStringBuilder(ExternalServices.PostgresConnectionString) { Database = database, Pooling = false }.ConnectionString;
            await PostgresSchema.EnsureCreatedAsync(connectionString, CancellationToken.None);
            await using var report = new NpgsqlConnection(connectionString);
            await report.OpenAsync();
            await Run(report, null, "DO $$ BEGIN IF to_regclass('schema_version') IS NOT NULL THEN DELETE FROM schema_version; END IF; END $$");
            await using var reading = await report.BeginTransactionAsync();
            await Run(report, reading, "LOCK TABLE user_directory IN ACCESS SHARE MODE");

            // Bounded only so that the code before this fix, which waited for the report, fails instead of hanging.
            var refused = await Assert.ThrowsAsync<PostgresException>(() => PostgresSchema.EnsureCreatedAsync(connectionString, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60)));
            Assert.Equal(PostgresErrorCodes.LockNotAvailable, refused.SqlState);

            // The failed attempt left no lock behind: a grain-state write takes its lock at once.
            await using (var writer = new NpgsqlConnection(connectionString))
            {
                await writer.OpenAsync();
                await using var write = await writer.BeginTransactionAsync();
                await Run(writer, write, "LOCK TABLE grain_state IN ROW EXCLUSIVE MODE NOWAIT");
            }

            await reading.RollbackAsync();
            await PostgresSchema.EnsureCreatedAsync(connectionString, CancellationToken.None);
            await using var count = new NpgsqlCommand("SELECT count(*) FROM schema_version", report);
            Assert.Equal(1L, await count.ExecuteScalarAsync());
            output.WriteLine($"refused with {refused.SqlState} while the table was held, applied once it was free");
        }
        finally
        {
            await Admin($"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
    }

    private static async Task Admin(string sql)
    {
        await using var connection = new NpgsqlConnection(ExternalServices.PostgresConnectionString);
        await connection.OpenAsync();
        await Run(connection, null, sql);
    }

    internal static async Task Run(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync();
    }
}
