using System.Net;
using System.Security.Cryptography;

namespace Bench.Runner;

/// <summary>S7: what RS256 and ES256 (keys from the cluster's ring) cost against HS256, on the hot path and when issuing.</summary>
public static class SigningScenario
{
    private static readonly string[] Algorithms = ["HS256", "RS256", "ES256"];

    public static async Task Run(BenchContext ctx)
    {
        var options = ctx.Options;
        var scenario = ctx.Report.Scenario("S7", "access tokens per signing algorithm",
            $"For each JWT_ALGORITHM, one more auth front end of the same cluster signing with it, started for the pass (RS256 and ES256: " +
            "their key ring in PostgreSQL), so the three compared front ends are equally fresh (JIT tiers, GC heaps) and equally warmed up " +
            $"(the topology's own front end, warmed by S1 and S2 before, would flatter HS256): `GET /auth/me` closed-loop with {MeScenario.Workers} workers over 64 sessions " +
            "of 16 users (validation of the signature + the live session check), then `POST /auth/refresh` closed-loop, each worker " +
            "rotating its own session's refresh token (a session write + signing one access token). The micro-benchmarks " +
            "(`AccessTokenBenchmarks`) give the signing and validation cost alone.");

        double? hs256 = null;
        foreach (var algorithm in Algorithms)
        {
            var frontEnd = await FrontEnd(ctx, algorithm);
            using var client = new ApiClient(frontEnd.HttpPort, ctx.Topology.UserApi.HttpPort);
            var accounts = await ctx.Api.RegisterMany($"s7-{algorithm.ToLowerInvariant()}", 16);
            var sessions = new List<Tokens>();
            for (var round = 0; round < 4; round++)
            {
                foreach (var account in accounts)
                {
                    var (status, tokens) = await client.Login(account.Email, account.Password);
                    sessions.Add(tokens ?? throw new InvalidOperationException($"{algorithm} login answered {(int)status}"));
                }
            }

            var me = await ctx.Measured(scenario, $"GET /auth/me, {algorithm}", () => LoadGenerator.ClosedLoop(
                async (worker, ct) => await client.Me(sessions[worker % sessions.Count].AccessToken, ct) == HttpStatusCode.OK,
                MeScenario.Workers,
                ctx.WarmUp,
                options.Duration));
            hs256 ??= me.Rate;
            var ratio = me.Rate / hs256.Value;
            scenario.Add(algorithm == "HS256"
                ? new ResultRow("GET /auth/me, HS256", Report.Rate(me.Rate), Report.Ms(me.P50), Report.Ms(me.P99), me.Errors.ToString())
                : new ResultRow($"GET /auth/me, {algorithm}", Report.Rate(me.Rate), Report.Ms(me.P50), Report.Ms(me.P99), me.Errors.ToString(),
                    Report.Rate(hs256.Value), Report.Ratio(ratio), "≥ 0.70 of HS256", ratio >= 0.7));

            // One refresh chain per worker: a worker only ever presents the token its own last refresh returned.
            var chains = sessions.Take(MeScenario.Workers).Select(s => s.RefreshToken).ToArray();
            var refresh = await ctx.Measured(scenario, $"POST /auth/refresh, {algorithm}", () => LoadGenerator.ClosedLoop(
                async (worker, ct) =>
                {
                    var (_, tokens) = await client.Refresh(chains[worker % chains.Length], ct);
                    if (tokens is null)
                    {
                        return false;
                    }

                    chains[worker % chains.Length] = tokens.RefreshToken;
                    return true;
                },
                Math.Min(MeScenario.Workers, chains.Length),
                ctx.WarmUp,
                options.Duration));
            scenario.Add(new ResultRow($"POST /auth/refresh (issues one access token), {algorithm}", Report.Rate(refresh.Rate), Report.Ms(refresh.P50), Report.Ms(refresh.P99), refresh.Errors.ToString()));

            // Every front end confirms every announcement: one left running would take CPU from the later scenarios.
            await ctx.Topology.RemoveAuthApi(frontEnd);
        }
    }

    private static Task<ServiceProcess> FrontEnd(BenchContext ctx, string algorithm) =>
        ctx.Topology.AddAuthApi($"auth-api-{algorithm.ToLowerInvariant()}", new Dictionary<string, string>
        {
            ["JWT_ALGORITHM"] = algorithm,
            ["JWT_KEY_ENCRYPTION_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        });
}
