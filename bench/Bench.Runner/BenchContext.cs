namespace Bench.Runner;

/// <summary>What every scenario works with, and what one scenario leaves for another (S6 compares with S2 and S3).</summary>
public sealed class BenchContext(BenchOptions options, Topology topology, Report report) : IDisposable
{
    public BenchOptions Options { get; } = options;
    public Topology Topology { get; } = topology;
    public Report Report { get; } = report;
    public ApiClient Api { get; } = new(topology.AuthApi.HttpPort, topology.UserApi.HttpPort);

    public CpuMeter Cpu { get; } = new(options, () => topology.Processes.Select(p => (p.Name, p.Pid)));

    /// <summary>Closed-loop rates with one silo, once S2 / S3 measured them.</summary>
    public double? OneSiloMeRate { get; set; }
    public double? OneSiloUpdateRate { get; set; }

    /// <summary>Runs a pass and notes how the cores were shared while it ran.</summary>
    public async Task<T> Measured<T>(ScenarioReport scenario, string pass, Func<Task<T>> run)
    {
        var before = Cpu.Sample();
        var result = await run();
        scenario.Note($"CPU during {pass}: {CpuMeter.Split(before, Cpu.Sample())}");
        return result;
    }

    /// <summary>What the topology costs doing nothing: a few seconds of CPU with no load.</summary>
    public Task Idle(ScenarioReport scenario, string what) =>
        Measured(scenario, $"{what}, idle (no load, 5 s)", () => Task.Delay(TimeSpan.FromSeconds(5)).ContinueWith(_ => 0));

    public void Dispose() => Api.Dispose();
}
