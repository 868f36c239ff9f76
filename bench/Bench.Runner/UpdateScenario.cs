using System.Net;
using Npgsql;

namespace Bench.Runner;

/// <summary>S3: PUT /user/update/{id} against a raw single-row UPDATE loop on the same PostgreSQL.</summary>
public static class UpdateScenario
{
    public const int Workers = 16;

    public static async Task Run(BenchContext ctx)
    {
        var options = ctx.Options;
        var scenario = ctx.Report.Scenario("S3", "user update",
            $"`PUT /user/update/{{id}}` changing the name with `If-Match` from the previous answer's ETag, closed-loop with {Workers} workers, " +
            "each on its own user (so no 412 from each other), against a raw Npgsql loop on the same PostgreSQL at the same concurrency: " +
            "`UPDATE … SET name, version = version + 1, updated_at WHERE id AND version … RETURNING version` on a bench table, one row per worker.");

        // Opened outside the measured pass, so the CPU split still sees the backends that served it; closed after,
        // so those backends exit and publish their statistics before the PUT pass counts rows.
        Latencies raw;
        await using (var dataSource = await RawTable(options))
        {
            raw = await ctx.Measured(scenario, "the Npgsql baseline", () => RawUpdates(dataSource, options));
        }

        scenario.Add(new ResultRow("baseline: Npgsql single-row UPDATE", Report.Rate(raw.Rate, "updates/s"), Report.Ms(raw.P50), Report.Ms(raw.P99), raw.Errors.ToString()));

        var writers = await Writers(ctx, "s3", Workers);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var rowsBefore = await RowsWritten(options);
        var api = await ctx.Measured(scenario, "PUT /user/update", () => Updates(ctx, writers));
        // An idle PostgreSQL backend publishes its statistics within 10 s (PGSTAT_IDLE_INTERVAL); the silo's pooled ones stay open.
        await Task.Delay(TimeSpan.FromSeconds(11));
        var rowsAfter = await RowsWritten(options);
        // Every PUT of the pass, the warm-up's included, against every row PostgreSQL wrote meanwhile.
        var puts = writers.Sum(w => w.Count);
        scenario.Note($"PostgreSQL rows written per PUT (all {puts:N0} PUTs of the pass, warm-up included; pg_stat_user_tables, inserts + updates + deletes): " +
            string.Join(", ", rowsAfter.Where(r => r.Key != "(commits)" && r.Value - rowsBefore.GetValueOrDefault(r.Key) > 0)
                .OrderByDescending(r => r.Value - rowsBefore.GetValueOrDefault(r.Key))
                .Select(r => $"{r.Key} {(double)(r.Value - rowsBefore.GetValueOrDefault(r.Key)) / puts:F2}")) +
            $"; transactions committed per PUT (reads included, as every statement outside a transaction is one): {(double)(rowsAfter["(commits)"] - rowsBefore["(commits)"]) / puts:F2}. " +
            "The raw baseline writes 1 row in 1 transaction.");
        ctx.OneSiloUpdateRate = api.Rate;
        var ratio = api.Rate / raw.Rate;
        scenario.Add(new ResultRow("PUT /user/update/{id} (name, If-Match)", Report.Rate(api.Rate, "updates/s"), Report.Ms(api.P50), Report.Ms(api.P99), api.Errors.ToString(),
            Report.Rate(raw.Rate, "updates/s"), Report.Ratio(ratio), "≥ 0.50 of raw Npgsql", ratio >= 0.5));

        // The same requests without the write: what authentication and the user grain cost on this route.
        var reads = await ctx.Measured(scenario, "GET /user/{id}", () => LoadGenerator.ClosedLoop(
            async (worker, ct) => (await ctx.Api.GetUser(writers[worker].Id, writers[worker].Token, ct)).Status == HttpStatusCode.OK,
            Workers,
            options.Warmup,
            options.DiagnosisDuration));
        scenario.Add(new ResultRow("diagnosis: GET /user/{id}, same users and workers (no write)", Report.Rate(reads.Rate), Report.Ms(reads.P50), Report.Ms(reads.P99), reads.Errors.ToString()));

        // If each user's updates wait on one another (the grain's turn), more users in parallel go faster; if the cores are the bound, they do not.
        var many = await Writers(ctx, "s3-many", 4 * Workers);
        var wide = await ctx.Measured(scenario, $"PUT /user/update, {many.Length} workers", () => Updates(ctx, many, options.DiagnosisDuration));
        scenario.Add(new ResultRow($"diagnosis: PUT /user/update/{{id}} with {many.Length} workers on {many.Length} users", Report.Rate(wide.Rate, "updates/s"), Report.Ms(wide.P50), Report.Ms(wide.P99), wide.Errors.ToString()));
    }

    public sealed record Writer(Guid Id, string Token)
    {
        public long Version { get; set; }
        public int Count { get; set; }
    }

    /// <summary>One fresh user a worker, logged in, with its current version.</summary>
    public static async Task<Writer[]> Writers(BenchContext ctx, string purpose, int count)
    {
        var accounts = await ctx.Api.RegisterMany(purpose, count);
        return await Task.WhenAll(accounts.Select(async account =>
        {
            var tokens = await ctx.Api.LoginOrThrow(account);
            var (status, version) = await ctx.Api.GetUser(account.Id, tokens.AccessToken);
            return status == HttpStatusCode.OK
                ? new Writer(account.Id, tokens.AccessToken) { Version = version }
                : throw new InvalidOperationException($"GET /user/{account.Id} answered {(int)status}");
        }));
    }

    public static Task<Latencies> Updates(BenchContext ctx, Writer[] writers, TimeSpan? duration = null) => LoadGenerator.ClosedLoop(
        async (worker, ct) =>
        {
            var writer = writers[worker];
            var (status, version) = await ctx.Api.Rename(writer.Id, writer.Token, writer.Version, $"Bench Writer {worker} {++writer.Count}", ct);
            if (status != HttpStatusCode.OK)
            {
                // Resynchronise, so one failure does not turn into a run of 412s.
                (_, version) = await ctx.Api.GetUser(writer.Id, writer.Token, ct);
            }

            writer.Version = version;
            return status == HttpStatusCode.OK;
        },
        writers.Length,
        ctx.Options.Warmup,
        duration ?? ctx.Options.Duration);

    private static async Task<NpgsqlDataSource> RawTable(BenchOptions options)
    {
        var connection = new NpgsqlConnectionStringBuilder(options.PostgresConnection) { MaxPoolSize = Workers }.ConnectionString;
        var dataSource = NpgsqlDataSource.Create(connection);
        await using (var setup = dataSource.CreateCommand(
            "DROP TABLE IF EXISTS bench_users; " +
            "CREATE TABLE bench_users (id integer PRIMARY KEY, name text NOT NULL, version bigint NOT NULL, updated_at timestamptz NOT NULL); " +
            $"INSERT INTO bench_users SELECT g, 'Bench Row', 1, now() FROM generate_series(0, {Workers - 1}) g;"))
        {
            await setup.ExecuteNonQueryAsync();
        }

        return dataSource;
    }

    /// <summary>Rows written so far per table, and the database's committed transactions as "(commits)".</summary>
    private static async Task<Dictionary<string, long>> RowsWritten(BenchOptions options)
    {
        var rows = new Dictionary<string, long>();
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(options.PostgresConnection) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables " +
            "UNION ALL SELECT '(commits)', xact_commit FROM pg_stat_database WHERE datname = current_database()",
            connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows[reader.GetString(0)] = reader.GetInt64(1);
        }

        return rows;
    }

    private static async Task<Latencies> RawUpdates(NpgsqlDataSource dataSource, BenchOptions options)
    {
        var versions = Enumerable.Repeat(1L, Workers).ToArray();
        var counts = new int[Workers];
        return await LoadGenerator.ClosedLoop(
            async (worker, ct) =>
            {
                await using var update = dataSource.CreateCommand(
                    "UPDATE bench_users SET name = $1, version = version + 1, updated_at = now() WHERE id = $2 AND version = $3 RETURNING version");
                update.Parameters.AddWithValue($"Bench Row {worker} {++counts[worker]}");
                update.Parameters.AddWithValue(worker);
                update.Parameters.AddWithValue(versions[worker]);
                if (await update.ExecuteScalarAsync(ct) is long version)
                {
                    versions[worker] = version;
                    return true;
                }

                return false;
            },
            Workers,
            options.Warmup,
            options.Duration);
    }
}
