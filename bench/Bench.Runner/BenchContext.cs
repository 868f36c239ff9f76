namespace Bench.Runner;

/// <summary>What every scenario works with, and what one scenario leaves for another (S6 compares with S2 and S3).</summary>
public sealed class BenchContext(BenchOptions options, Topology topology, Report report) : IDisposable
{
    /// <summary>How the CPU split names the runner's own process (the closed-loop generator and the mock brokers).</summary>
    public const string RunnerName = CpuMeter.RunnerName;

    public BenchOptions Options { get; } = options;
    public Topology Topology { get; } = topology;
    public Report Report { get; } = report;
    public ApiClient Api { get; } = new(topology.AuthApi.HttpPort, topology.UserApi.HttpPort);

    /// <summary>The Node stack serves the auth and the user routes on one port.</summary>
    public ApiClient Node { get; } = new(topology.NodeStack.HttpPort, topology.NodeStack.HttpPort);

    public RuntimeCounters Gc { get; } = new(() => topology.Processes.Where(p => p.MetricsPort is not null && !p.HasExited).Select(p => (p.Name, p.MetricsPort!.Value)));

    public CpuMeter Cpu { get; } = new(options, () => topology.Processes.Select(p => (p.Name, p.Pid)));

    /// <summary>What the last warm-up waited for, told in the note of the pass that ran it.</summary>
    private string? _warmUp;

    /// <summary>
    /// The counters as a warm-up ended, where the pass's measured window begins: a pass's CPU split and GC are counted
    /// from here, not from the start of its warm-up, whose first seconds of compiling would otherwise be charged to it.
    /// </summary>
    private WindowStart? _windowStart;

    private sealed record WindowStart(CpuSample Cpu, Dictionary<string, RuntimeCounters.Reading> Gc);

    /// <summary>Closed-loop rates with one silo, once S2 / S3 measured them.</summary>
    public double? OneSiloMeRate { get; set; }
    public double? OneSiloUpdateRate { get; set; }

    /// <summary>How the cores were shared in that one-silo update pass, for S6's comparison per PUT.</summary>
    public CpuSplit? OneSiloUpdateCpu { get; set; }

    /// <summary>
    /// Runs the Node stack until the result is disposed; it is paused (SIGSTOP) the rest of the run, so its idle work
    /// is not charged to the product's passes. The product's own idle processes keep running through the Node passes.
    /// </summary>
    public IDisposable NodeStackRunning()
    {
        Topology.NodeStack.Resume();
        return new Resumed(Topology.NodeStack);
    }

    private sealed class Resumed(ServiceProcess process) : IDisposable
    {
        public void Dispose() => process.Pause();
    }

    /// <summary>
    /// Runs a pass and notes how the cores were shared while it ran: over its measured window when it warmed up first
    /// (<see cref="WarmUp"/>), over the whole pass otherwise.
    /// </summary>
    public async Task<T> Measured<T>(ScenarioReport scenario, string pass, Func<Task<T>> run)
    {
        var gcBefore = await Gc.Sample();
        var before = Cpu.Sample();
        _windowStart = null;
        var result = await run();
        var after = Cpu.Sample();
        var gcAfter = await Gc.Sample();
        if (Interlocked.Exchange(ref _windowStart, null) is { } window)
        {
            (before, gcBefore) = (window.Cpu, window.Gc);
        }

        var split = CpuMeter.Shares(before, after);
        scenario.Cpu[pass] = split;
        if (Interlocked.Exchange(ref _warmUp, null) is { } warmUp)
        {
            scenario.Note($"warm-up before {pass}: {warmUp}");
        }

        scenario.Note($"CPU during {pass}: {split}");
        var rate = result is Latencies latencies ? latencies.Rate : (double?)null;
        var pauses = RuntimeCounters.Deltas(gcBefore, gcAfter, after.At - before.At);
        scenario.GcPauses[pass] = pauses;
        var gc = RuntimeCounters.Describe(pauses, rate);
        if (gc.Length > 0)
        {
            scenario.Gc[pass] = gc;
            scenario.Note($"GC during {pass}: {gc}");
        }

        return result;
    }

    /// <summary>
    /// The warm-up of a closed-loop pass, under its load: <see cref="BenchOptions.Warmup"/>, then for as long as the
    /// JIT is still compiling (above 0.01 cores over the last <see cref="QuietWindow"/> seconds), at most
    /// <see cref="BenchOptions.MaxCompileWait"/> more. Compiling is counted two ways, added up: each product server's
    /// own <c>dotnet.jit.compilation.time</c> from its /metrics (every thread, every tier: tier 0 runs on the request
    /// threads), and the tiered-compilation thread of every .NET process of the bench, baselines included (they have
    /// no /metrics; a server's background compilation is thus counted twice, which only makes the wait stricter). A server meeting a route for the first time compiles its code for tens of seconds on two loaded
    /// cores; a fixed 2 s warm-up measured that as the route's own cost (S1's silo: most of its CPU in the first
    /// login pass). Watching the background thread alone was not enough: while tier-0 compilation goes on, the
    /// runtime postpones the tier-1 work, so that thread looked idle and compiled again in the measured window.
    /// </summary>
    public async Task WarmUp()
    {
        const int QuietWindow = 3;
        const double QuietCores = 0.01;
        await Task.Delay(Options.Warmup);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var compiled = new Queue<double>([await CompilingSeconds()]);
        double compiling;
        do
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            compiled.Enqueue(await CompilingSeconds());
            if (compiled.Count > QuietWindow + 1)
            {
                compiled.Dequeue();
            }

            compiling = (compiled.Last() - compiled.Peek()) / (compiled.Count - 1);
        }
        while ((compiled.Count <= QuietWindow || compiling > QuietCores) && clock.Elapsed < Options.MaxCompileWait);

        _windowStart = new WindowStart(Cpu.Sample(), await Gc.Sample());
        var waited = $"{Options.Warmup.TotalSeconds:F0} s + {clock.Elapsed.TotalSeconds:F0} s";
        _warmUp = compiling > QuietCores
            ? $"{waited}, stopped with the JIT still compiling ({CpuMeter.F(compiling)} cores over the last seconds)"
            : $"{waited}, until the JIT had stopped compiling (≤ {QuietCores} cores over {QuietWindow} s)";
    }

    private async Task<double> CompilingSeconds() =>
        Cpu.TieredCompilationSeconds() + (await Gc.Sample()).Values.Sum(r => r.JitSeconds);

    /// <summary>
    /// Waits (at most 2 minutes) until the freshly started processes stop their start-up work — tiered JIT, Orleans
    /// and Kafka initialisation keep a new silo at ~0.4 core for a while — so the first pass is not measured against it.
    /// </summary>
    public async Task Settle(ScenarioReport scenario)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double busy;
        do
        {
            var before = Cpu.Sample();
            await Task.Delay(TimeSpan.FromSeconds(3));
            var after = Cpu.Sample();
            busy = (after.MachineBusy - before.MachineBusy) / (after.At - before.At).TotalSeconds;
        }
        while (busy > 0.15 && clock.Elapsed < TimeSpan.FromMinutes(2));

        scenario.Note($"waited {clock.Elapsed.TotalSeconds:F0} s after start for the machine to settle (last 3 s: {busy:F2} cores busy).");
    }

    /// <summary>What the topology costs doing nothing: a few seconds of CPU with no load.</summary>
    public Task Idle(ScenarioReport scenario, string what) =>
        Measured(scenario, $"{what}, idle (no load, 5 s)", () => Task.Delay(TimeSpan.FromSeconds(5)).ContinueWith(_ => 0));

    public void Dispose()
    {
        Api.Dispose();
        Node.Dispose();
        Gc.Dispose();
    }
}
