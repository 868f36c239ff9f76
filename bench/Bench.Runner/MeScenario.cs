using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Api.Hosting;
using Api.Security;
using Api.Tokens;
using Grains.Interfaces.Users;

namespace Bench.Runner;

/// <summary>S2: authenticated GET /auth/me against bare Kestrel, its latency at 70 % load, and how fast logout reaches the other front end.</summary>
public static class MeScenario
{
    public const int Workers = 32;

    public static async Task Run(BenchContext ctx)
    {
        var options = ctx.Options;
        var scenario = ctx.Report.Scenario("S2", "authenticated GET /auth/me",
            $"`GET /auth/me` with a bearer token (JWT validation + live session check in the session grain + the user grain's view), " +
            $"closed-loop with {Workers} workers over 64 sessions of 16 users, against `bench/Bench.Baseline` (bare Kestrel, the same " +
            "JSON from memory, same workers). Then an open-loop pass at 70 % of the measured maximum (latency counted from each " +
            "request's scheduled start). Then revocation: while a poller repeats `GET /user/{id}` on the user front end with a " +
            "token, the token's session logs out on the auth front end; the time from sending the logout to the poller's first 401.");

        using var baseline = ApiClient.Client(ctx.Topology.Baseline.HttpPort);
        var bare = await ctx.Measured(scenario, "the baseline", () => LoadGenerator.ClosedLoop(
            (_, ct) => ApiClient.GetOk(baseline, "/auth/me", ct),
            Workers,
            options.Warmup,
            options.Duration));
        scenario.Add(new ResultRow("baseline: bare Kestrel, same body", Report.Rate(bare.Rate), Report.Ms(bare.P50), Report.Ms(bare.P99), bare.Errors.ToString()));

        var tokens = await Sessions(ctx, "s2");
        var me = await ctx.Measured(scenario, "GET /auth/me at the maximum", () => MaxRate(ctx, tokens));
        ctx.OneSiloMeRate = me.Rate;
        var ratio = me.Rate / bare.Rate;
        scenario.Add(new ResultRow("GET /auth/me, closed loop (max rate)", Report.Rate(me.Rate), Report.Ms(me.P50), Report.Ms(me.P99), me.Errors.ToString(),
            Report.Rate(bare.Rate), Report.Ratio(ratio), "≥ 0.50 of bare Kestrel", ratio >= 0.5));

        await Decomposition(ctx, scenario);

        var rate = 0.7 * me.Rate;
        var (scheduled, sent) = await ctx.Measured(scenario, "GET /auth/me at 70 %", () => LoadGenerator.OpenLoop(
            async (slot, ct) => await ctx.Api.Me(tokens[slot % tokens.Count], ct) == HttpStatusCode.OK,
            rate,
            options.Warmup,
            options.Duration,
            workerSlots: tokens.Count));
        scenario.Add(new ResultRow($"GET /auth/me, open loop at 70 % ({Report.Rate(rate)} scheduled), latency from sending", Report.Rate(sent.Rate), Report.Ms(sent.P50), Report.Ms(sent.P99),
            sent.Errors.ToString(), "", "", "p99 ≤ 5 ms", sent.P99 <= 5));
        scenario.Add(new ResultRow("the same pass, latency from the scheduled start (adds the load generator's own lag)", Report.Rate(scheduled.Rate), Report.Ms(scheduled.P50), Report.Ms(scheduled.P99),
            scheduled.Errors.ToString(), "", "", "p99 ≤ 5 ms (strict)", scheduled.P99 <= 5));

        await Revocation(ctx, scenario);
    }

    /// <summary>
    /// Where an authenticated request's time goes: the same workers on the auth front end's cheapest route
    /// (pipeline only), then on /auth/me with a token signed by another key (pipeline + JWT validation, answered
    /// 401 before any grain call). The rest of /auth/me is the two grain calls.
    /// </summary>
    private static async Task Decomposition(BenchContext ctx, ScenarioReport scenario)
    {
        using var auth = ApiClient.Client(ctx.Topology.AuthApi.HttpPort);
        var pipeline = await ctx.Measured(scenario, "GET /health/live", () => LoadGenerator.ClosedLoop(
            (_, ct) => ApiClient.GetOk(auth, "/health/live", ct),
            Workers,
            ctx.Options.Warmup,
            ctx.Options.DiagnosisDuration));
        scenario.Add(new ResultRow("diagnosis: GET /health/live on the auth API (middleware, no auth, no grain)", Report.Rate(pipeline.Rate), Report.Ms(pipeline.P50), Report.Ms(pipeline.P99), pipeline.Errors.ToString()));

        var foreignSecret = RandomNumberGenerator.GetBytes(32);
        var foreignKey = new AccessTokens(new ApiSettings { JwtSecret = foreignSecret }, new SharedSecretKeys(foreignSecret, null), TimeProvider.System);
        var now = DateTimeOffset.UtcNow;
        var forged = await foreignKey.Issue(new UserView(Guid.NewGuid(), "Bench User", "bench@example.com", [], now, now, 1), Guid.NewGuid());
        var jwt = await ctx.Measured(scenario, "GET /auth/me with a foreign-key token", () => LoadGenerator.ClosedLoop(
            async (_, ct) => await ctx.Api.Me(forged, ct) == HttpStatusCode.Unauthorized,
            Workers,
            ctx.Options.Warmup,
            ctx.Options.DiagnosisDuration));
        scenario.Add(new ResultRow("diagnosis: GET /auth/me, token signed with another key → 401 (+ JWT validation, no grain)", Report.Rate(jwt.Rate), Report.Ms(jwt.P50), Report.Ms(jwt.P99), jwt.Errors.ToString()));
    }

    /// <summary>Logs in 64 sessions spread over 16 fresh accounts; their access tokens.</summary>
    public static async Task<List<string>> Sessions(BenchContext ctx, string purpose)
    {
        var accounts = await ctx.Api.RegisterMany(purpose, 16);
        var tokens = new List<string>();
        for (var round = 0; round < 4; round++)
        {
            tokens.AddRange((await Task.WhenAll(accounts.Select(ctx.Api.LoginOrThrow))).Select(t => t.AccessToken));
        }

        return tokens;
    }

    public static Task<Latencies> MaxRate(BenchContext ctx, List<string> tokens) => LoadGenerator.ClosedLoop(
        async (worker, ct) => await ctx.Api.Me(tokens[worker % tokens.Count], ct) == HttpStatusCode.OK,
        Workers,
        ctx.Options.Warmup,
        ctx.Options.Duration);

    private static async Task Revocation(BenchContext ctx, ScenarioReport scenario)
    {
        var samples = ctx.Options.Samples;
        var accounts = await ctx.Api.RegisterMany("s2-revoke", 8);
        var latencies = new List<double>(samples);
        long errors = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < samples; i++)
        {
            var account = accounts[i % accounts.Count];
            var tokens = await ctx.Api.LoginOrThrow(account);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var polling = new TaskCompletionSource();
            var poller = Task.Run(async () =>
            {
                while (true)
                {
                    var (status, _) = await ctx.Api.GetUser(account.Id, tokens.AccessToken, timeout.Token);
                    var at = Stopwatch.GetTimestamp();
                    polling.TrySetResult();
                    if (status == HttpStatusCode.Unauthorized)
                    {
                        return at;
                    }

                    if (status != HttpStatusCode.OK)
                    {
                        throw new InvalidOperationException($"GET /user/{{id}} answered {(int)status} before the logout");
                    }
                }
            });
            await polling.Task;
            var sent = Stopwatch.GetTimestamp();
            var logout = await ctx.Api.Logout(tokens.AccessToken);
            try
            {
                var first401 = await poller;
                if (logout == HttpStatusCode.NoContent)
                {
                    latencies.Add(Latencies.ToMs(first401 - sent));
                }
                else
                {
                    errors++;
                }
            }
            catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or HttpRequestException)
            {
                errors++;
            }
        }

        var result = new Latencies(latencies, errors, clock.Elapsed);
        scenario.Add(new ResultRow($"revocation: logout on auth API → first 401 on user API ({samples} sessions)", "", Report.Ms(result.P50), Report.Ms(result.P99),
            errors.ToString(), "", "", "p99 ≤ 50 ms", result.P99 <= 50 && errors == 0));
        scenario.Note($"revocation: p90 {Report.Ms(result.Percentile(0.90))}, p95 {Report.Ms(result.Percentile(0.95))}, max {Report.Ms(result.Max)}; the five slowest: " +
            string.Join(", ", latencies.OrderDescending().Take(5).Select(Report.Ms)) + ".");
    }
}
