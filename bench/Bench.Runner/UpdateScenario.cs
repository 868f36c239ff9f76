using System.Net;
using Npgsql;

namespace Bench.Runner;

/// <summary>S3: PUT /user/update/{id} over many users and on one hot user, against the Node stack and a raw single-row UPDATE loop.</summary>
public static class UpdateScenario
{
    /// <summary>Many users: one worker each.</summary>
    public const int Workers = 64;

    /// <summary>One hot user: this many workers on the same account.</summary>
    public const int HotWorkers = 32;

    public static async Task Run(BenchContext ctx)
    {
        var options = ctx.Options;
        var scenario = ctx.Report.Scenario("S3", "user update",
            $"`PUT /user/update/{{id}}` changing the name, closed-loop. **Many users:** {Workers} workers, each on its own user with `If-Match` " +
            $"from its previous answer's ETag. **One hot user:** {HotWorkers} workers on one account without `If-Match` (so they queue, never 412). " +
            "The same two passes on the Node stack (`bench/node-stack`: Express, pg `UPDATE … RETURNING`, the cache in Redis, a kafkajs produce " +
            $"with acks=all before answering; 2 workers), and a raw Npgsql loop on the same PostgreSQL with {Workers} workers: " +
            "`UPDATE … SET name, version = version + 1, updated_at WHERE id AND version … RETURNING version`, one row per worker. " +
            "Every answer that is not 2xx counts as an error.");

        // Opened outside the measured pass, so the CPU split still sees the backends that served it; closed after,
        // so those backends exit and publish their statistics before the PUT pass counts rows.
        Latencies raw;
        await using (var dataSource = await RawTable(options))
        {
            raw = await ctx.Measured(scenario, "the Npgsql baseline", () => RawUpdates(dataSource, ctx));
        }

        scenario.Add(new ResultRow($"baseline: Npgsql single-row UPDATE, {Workers} workers", Report.Rate(raw.Rate, "updates/s"), Report.Ms(raw.P50), Report.Ms(raw.P99), raw.Errors.ToString()));

        Latencies node, nodeHot;
        using (ctx.NodeStackRunning())
        {
            var nodeWriters = await Writers(ctx.Node, "s3-node", Workers);
            node = await ctx.Measured(scenario, "the Node stack, many users", () => Updates(ctx, ctx.Node, nodeWriters));
            nodeHot = await ctx.Measured(scenario, "the Node stack, one user", () => Updates(ctx, ctx.Node, Hot(nodeWriters[0])));
        }

        scenario.Add(new ResultRow($"baseline: Node stack PUT, {Workers} users", Report.Rate(node.Rate, "updates/s"), Report.Ms(node.P50), Report.Ms(node.P99), node.Errors.ToString()));
        scenario.Add(new ResultRow($"baseline: Node stack PUT, one user, {HotWorkers} workers", Report.Rate(nodeHot.Rate, "updates/s"), Report.Ms(nodeHot.P50), Report.Ms(nodeHot.P99), nodeHot.Errors.ToString()));

        var writers = await Writers(ctx.Api, "s3", Workers);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var rowsBefore = await RowsWritten(options);
        const string ManyUsersPass = "PUT /user/update, many users";
        var api = await ctx.Measured(scenario, ManyUsersPass, () => Updates(ctx, ctx.Api, writers));
        // An idle PostgreSQL backend publishes its statistics within 10 s (PGSTAT_IDLE_INTERVAL); the silo's pooled ones stay open.
        await Task.Delay(TimeSpan.FromSeconds(11));
        var rowsAfter = await RowsWritten(options);
        // Every PUT of the pass, the warm-up's included, against every row PostgreSQL wrote meanwhile.
        var puts = Math.Max(1, writers.Sum(w => w.Count));
        var commitsPerPut = (double)(rowsAfter["(commits)"] - rowsBefore["(commits)"]) / puts;
        scenario.Note($"PostgreSQL rows written per PUT (all {puts:N0} PUTs of the pass, warm-up included; pg_stat_user_tables, inserts + updates + deletes): " +
            string.Join(", ", rowsAfter.Where(r => r.Key != "(commits)" && r.Value - rowsBefore.GetValueOrDefault(r.Key) > 0)
                .OrderByDescending(r => r.Value - rowsBefore.GetValueOrDefault(r.Key))
                .Select(r => $"{r.Key} {(double)(r.Value - rowsBefore.GetValueOrDefault(r.Key)) / puts:F2}")) +
            $"; transactions committed per PUT (reads included, as every statement outside a transaction is one): {commitsPerPut:F2}. " +
            "The raw baseline writes 1 row in 1 transaction.");
        ctx.OneSiloUpdateRate = api.Rate;
        ctx.OneSiloUpdateCpu = scenario.Cpu[ManyUsersPass];
        var many = $"PUT /user/update/{{id}}, {Workers} users (If-Match)";
        var vsNode = api.Rate / node.Rate;
        scenario.Add(new ResultRow(many, Report.Rate(api.Rate, "updates/s"), Report.Ms(api.P50), Report.Ms(api.P99), api.Errors.ToString(),
            $"Node stack: {Report.Rate(node.Rate, "updates/s")}", Report.Ratio(vsNode), "≥ 2.0 of the Node stack", vsNode >= 2 && api.Errors == 0));
        var vsRaw = api.Rate / raw.Rate;
        scenario.Add(new ResultRow(many, Report.Rate(api.Rate, "updates/s"), Report.Ms(api.P50), Report.Ms(api.P99), api.Errors.ToString(),
            $"raw Npgsql: {Report.Rate(raw.Rate, "updates/s")}", Report.Ratio(vsRaw), "≥ 0.50 of raw Npgsql", vsRaw >= 0.5 && api.Errors == 0));

        var hot = await ctx.Measured(scenario, "PUT /user/update, one user", () => Updates(ctx, ctx.Api, Hot(writers[0])));
        var vsNodeHot = hot.Rate / nodeHot.Rate;
        scenario.Add(new ResultRow($"PUT /user/update/{{id}}, one user, {HotWorkers} workers", Report.Rate(hot.Rate, "updates/s"), Report.Ms(hot.P50), Report.Ms(hot.P99), hot.Errors.ToString(),
            $"Node stack: {Report.Rate(nodeHot.Rate, "updates/s")}", Report.Ratio(vsNodeHot), "≥ 0.50 of the Node stack", vsNodeHot >= 0.5 && hot.Errors == 0));

        foreach (var (target, met, pass, rate) in new[]
                 {
                     ("PUT, many users ≥ 2.0 of the Node stack", vsNode >= 2 && api.Errors == 0, ManyUsersPass, api.Rate),
                     ("PUT, many users ≥ 0.50 of raw Npgsql", vsRaw >= 0.5 && api.Errors == 0, ManyUsersPass, api.Rate),
                     ("PUT, one user ≥ 0.50 of the Node stack", vsNodeHot >= 0.5 && hot.Errors == 0, "PUT /user/update, one user", hot.Rate),
                 })
        {
            if (!met)
            {
                scenario.Bound(target, Analysis.CpuBound(scenario, pass, rate, "PUT") +
                    (pass.EndsWith("many users", StringComparison.Ordinal)
                        ? $" PostgreSQL work per PUT: {commitsPerPut:F2} transactions (the raw loop: 1)."
                        : $" One user's writes are serialised (p50 {Report.Ms(hot.P50)} with {HotWorkers} in the queue: {Report.Ms(hot.P50 / HotWorkers)} a write)."));
            }
        }
    }

    /// <summary>Every worker on the first writer's account, without If-Match.</summary>
    private static Writer[] Hot(Writer writer) =>
        [.. Enumerable.Range(0, HotWorkers).Select(_ => new Writer(writer.Id, writer.Token) { Version = -1 })];

    public sealed record Writer(Guid Id, string Token)
    {
        public long Version { get; set; }
        public int Count { get; set; }
    }

    /// <summary>One fresh user a worker, logged in, with its current version.</summary>
    public static async Task<Writer[]> Writers(ApiClient api, string purpose, int count)
    {
        var accounts = await api.RegisterMany(purpose, count);
        return await Task.WhenAll(accounts.Select(async account =>
        {
            var tokens = await api.LoginOrThrow(account);
            var (status, version) = await api.GetUser(account.Id, tokens.AccessToken);
            return status == HttpStatusCode.OK
                ? new Writer(account.Id, tokens.AccessToken) { Version = version }
                : throw new InvalidOperationException($"GET /user/{account.Id} answered {(int)status}");
        }));
    }

    /// <summary>Closed-loop renames, one worker a writer; a writer with Version -1 sends no If-Match.</summary>
    public static Task<Latencies> Updates(BenchContext ctx, ApiClient api, Writer[] writers, TimeSpan? duration = null) => LoadGenerator.ClosedLoop(
        async (worker, ct) =>
        {
            var writer = writers[worker];
            var guarded = writer.Version >= 0;
            var (status, version) = await api.Rename(writer.Id, writer.Token, guarded ? writer.Version : null, $"Bench Writer {worker} {++writer.Count}", ct);
            if (guarded && status != HttpStatusCode.OK)
            {
                // Resynchronise, so one failure does not turn into a run of 412s (and only from a real answer).
                var (read, current) = await api.GetUser(writer.Id, writer.Token, ct);
                version = read == HttpStatusCode.OK ? current : writer.Version;
            }

            if (guarded)
            {
                writer.Version = version;
            }

            return (int)status is >= 200 and < 300;
        },
        writers.Length,
        ctx.WarmUp,
        duration ?? ctx.Options.Duration);

    private static async Task<NpgsqlDataSource> RawTable(BenchOptions options)
    {
        // Half as many connections as workers: the pool queues the rest, as the product's pool does.
        var connection = new NpgsqlConnectionStringBuilder(options.PostgresConnection) { MaxPoolSize = Workers / 2 }.ConnectionString;
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

    private static async Task<Latencies> RawUpdates(NpgsqlDataSource dataSource, BenchContext ctx)
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
            ctx.WarmUp,
            ctx.Options.Duration);
    }
}
