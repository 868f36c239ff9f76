namespace Bench.Runner;

/// <summary>S6: the S2 and S3 maximum rates with three silos against one, on this one machine.</summary>
public static class ScaleOutScenario
{
    public static async Task Run(BenchContext ctx)
    {
        var scenario = ctx.Report.Scenario("S6", "scale-out to 3 silos on one machine",
            "The closed-loop passes of S2 (`GET /auth/me`) and S3 (`PUT /user/update/{id}`), first with the one silo the run started " +
            "with (S2's and S3's own numbers when they ran), then after two more silo processes joined the same cluster " +
            "(waiting until both are ready and the front ends' 5 s gateway refresh has passed), with fresh users and sessions so " +
            "their grains are placed over the three silos, after one unmeasured pass of each to warm the new silos up. Same front ends, same workers.");

        if (ctx.OneSiloMeRate is null)
        {
            ctx.OneSiloMeRate = (await ctx.Measured(scenario, "GET /auth/me, 1 silo", async () => await MeScenario.MaxRate(ctx, await MeScenario.Sessions(ctx, "s6-me-1")))).Rate;
        }

        if (ctx.OneSiloUpdateRate is null)
        {
            const string OneSiloPass = "PUT /user/update, 1 silo";
            ctx.OneSiloUpdateRate = (await ctx.Measured(scenario, OneSiloPass, async () => await UpdateScenario.Updates(ctx, ctx.Api, await UpdateScenario.Writers(ctx.Api, "s6-update-1", UpdateScenario.Workers)))).Rate;
            ctx.OneSiloUpdateCpu = scenario.Cpu[OneSiloPass];
        }

        await ctx.Idle(scenario, "1 silo");
        await ctx.Topology.AddSilos(2);
        await Task.Delay(TimeSpan.FromSeconds(7));

        // Fresh users and sessions, so their grains spread over the three silos; one unmeasured pass of each
        // first, so the new silos' code is as warm (tiered JIT) as the first silo's was.
        var tokens = await MeScenario.Sessions(ctx, "s6-me-3");
        var writers = await UpdateScenario.Writers(ctx.Api, "s6-update-3", UpdateScenario.Workers);
        await MeScenario.MaxRate(ctx, tokens);
        await UpdateScenario.Updates(ctx, ctx.Api, writers);
        await ctx.Idle(scenario, "3 silos");

        var me = await ctx.Measured(scenario, "GET /auth/me, 3 silos", () => MeScenario.MaxRate(ctx, tokens));
        var meRatio = me.Rate / ctx.OneSiloMeRate.Value;
        scenario.Add(new ResultRow("GET /auth/me, 3 silos", Report.Rate(me.Rate), Report.Ms(me.P50), Report.Ms(me.P99), me.Errors.ToString(),
            $"1 silo: {Report.Rate(ctx.OneSiloMeRate.Value)}", Report.Ratio(meRatio), "≥ 0.90 of 1 silo", meRatio >= 0.9));

        const string ThreeSilosPass = "PUT /user/update, 3 silos";
        var update = await ctx.Measured(scenario, ThreeSilosPass, () => UpdateScenario.Updates(ctx, ctx.Api, writers));
        var updateRatio = update.Rate / ctx.OneSiloUpdateRate.Value;
        scenario.Add(new ResultRow("PUT /user/update/{id}, 3 silos", Report.Rate(update.Rate, "updates/s"), Report.Ms(update.P50), Report.Ms(update.P99), update.Errors.ToString(),
            $"1 silo: {Report.Rate(ctx.OneSiloUpdateRate.Value, "updates/s")}", Report.Ratio(updateRatio), "≥ 0.90 of 1 silo", updateRatio >= 0.9));
        if (updateRatio < 0.9 && ctx.OneSiloUpdateCpu is { } one)
        {
            scenario.Bound("PUT, 3 silos ≥ 0.90 of 1 silo", PerPut(one, ctx.OneSiloUpdateRate.Value, scenario.Cpu[ThreeSilosPass], update.Rate));
        }
    }

    /// <summary>
    /// The CPU one PUT cost in each process (the silos added up), with one silo and with three: where the extra
    /// cost of the same writes over three processes on the same cores went.
    /// </summary>
    private static string PerPut(CpuSplit one, double oneRate, CpuSplit three, double threeRate)
    {
        static string Group(string name) => name.StartsWith("silo-", StringComparison.Ordinal) ? "the silos" : name;
        static Dictionary<string, double> PerOperation(CpuSplit split, double rate) => split.Processes
            .GroupBy(p => Group(p.Name))
            .ToDictionary(g => g.Key, g => g.Sum(p => p.Cores) / rate);

        var before = PerOperation(one, oneRate);
        var after = PerOperation(three, threeRate);
        var changes = after.Keys.Union(before.Keys)
            .Select(name => (Name: name, Before: before.GetValueOrDefault(name), After: after.GetValueOrDefault(name)))
            .Where(p => Math.Max(p.Before, p.After) >= 5e-6)
            .OrderByDescending(p => p.After - p.Before)
            .Select(p => $"{p.Name} {Analysis.Micro(p.Before)} → {Analysis.Micro(p.After)}");
        return $"CPU-bound in both passes ({CpuMeter.F(one.Machine)} and {CpuMeter.F(three.Machine)} of {Environment.ProcessorCount} cores busy), so the ratio is " +
            $"the CPU one PUT costs, summed over the processes: {Analysis.Micro(one.Machine / oneRate)} with one silo, {Analysis.Micro(three.Machine / threeRate)} " +
            $"with three. Per process, one silo → three: {string.Join(", ", changes)}. Each silo runs its own Kafka producer and partition readers, " +
            "its own read-model batcher and its own PostgreSQL pool, so the same writes spread over three processes batch less, " +
            "and three processes' threads take turns on the same cores.";
    }
}
