using System.Diagnostics;
using Bench.Runner;
using Npgsql;

// The child process of S5: a silo alone in its heap.
if (args.Length > 0 && args[0] == "memory")
{
    return await MemoryProbe.Run(args[1..]);
}

// S2's open-loop generator: its own process, at a raised priority.
if (args.Length > 0 && args[0] == "openloop")
{
    return await OpenLoopProbe.Run(args[1..]);
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

var clock = Stopwatch.StartNew();
var report = new Report(options);
await using (var postgres = new NpgsqlConnection(options.PostgresConnection))
{
    await postgres.OpenAsync();
    await using var version = new NpgsqlCommand("SELECT current_setting('server_version')", postgres);
    report.PostgresVersion = (string)(await version.ExecuteScalarAsync())!;
}

var clusterScenarios = new (string Id, Func<BenchContext, Task> Run)[]
{
    ("S1", LoginScenario.Run),
    ("S2", MeScenario.Run),
    ("S3", UpdateScenario.Run),
    ("S4", EventScenario.Run),
    ("S7", SigningScenario.Run),
};

try
{
    if (clusterScenarios.Any(s => options.Runs(s.Id)) || options.Runs("S6") || options.Runs("S8"))
    {
        Console.WriteLine("starting the topology: mock Kafka, 1 silo, auth and user front ends, baseline");
        await using var topology = await Topology.Start(options, silos: 1);
        using var context = new BenchContext(options, topology, report);
        foreach (var (id, run) in clusterScenarios.Where(s => options.Runs(s.Id)))
        {
            await Attempt(report, id, () => run(context));
        }

        if (options.Runs("S5"))
        {
            await Attempt(report, "S5", () => MemoryScenario.Run(options, report));
        }

        if (options.Runs("S6"))
        {
            await Attempt(report, "S6", () => ScaleOutScenario.Run(context));
        }

        // Last: it kills a silo of the three S6 left (or starts them).
        if (options.Runs("S8"))
        {
            await Attempt(report, "S8", () => FailoverScenario.Run(context));
        }
    }
    else
    {
        await Attempt(report, "S5", () => MemoryScenario.Run(options, report));
    }
}
finally
{
    report.Write(clock.Elapsed);
}

return report.AnyFailed ? 1 : 0;

// A scenario that throws is reported as failed; the others still run.
static async Task Attempt(Report report, string id, Func<Task> run)
{
    try
    {
        await run();
    }
    catch (Exception e)
    {
        Console.Error.WriteLine($"{id} failed: {e}");
        report.Fail(id, $"{e.GetType().Name}: {e.Message}");
    }
}
