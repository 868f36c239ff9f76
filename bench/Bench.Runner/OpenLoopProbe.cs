using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Bench.Runner;

/// <summary>
/// S2's open-loop pass in a process of its own, every thread of it at a raised priority (nice −11), so that the
/// generator is not starved by the servers it loads (in the runner's process it shared a thread pool with
/// everything else). The schedule is <see cref="OpenLoopSchedule"/>. It reports its own lag (how late each
/// request was sent against the schedule), its garbage collections in the window and the CPU it used, so a
/// reader can tell generator starvation from server latency.
/// </summary>
public static class OpenLoopProbe
{
    public sealed record Summary(int Count, long Errors, double ElapsedSeconds, double P50, double P99, double Max);

    public sealed record Result(
        double Rate,
        Summary FromSchedule,
        Summary FromSend,
        Summary Lag,
        double CpuSeconds,
        double WallSeconds,
        int Nice,
        string Sender,
        string Reader,
        int Connections,
        int GenerationZeroCollections,
        int FullCollections,
        double GcPauseMs);

    /// <summary>The nice value the generator asks for (what <see cref="ProcessPriorityClass.High"/> means on Linux).</summary>
    private const int RaisedNice = -11;

    /// <summary>openloop --port P --tokens FILE --rate R --warmup-ms W --duration-ms D --out FILE</summary>
    public static async Task<int> Run(string[] args)
    {
        string Argument(string name) => args[Array.IndexOf(args, name) + 1];
        var port = int.Parse(Argument("--port"), CultureInfo.InvariantCulture);
        var tokens = await File.ReadAllLinesAsync(Argument("--tokens"));
        var rate = double.Parse(Argument("--rate"), CultureInfo.InvariantCulture);
        var warmup = TimeSpan.FromMilliseconds(int.Parse(Argument("--warmup-ms"), CultureInfo.InvariantCulture));
        var duration = TimeSpan.FromMilliseconds(int.Parse(Argument("--duration-ms"), CultureInfo.InvariantCulture));
        // Enough pool threads from the start that the pool's slow injection never delays an answer's completion.
        ThreadPool.SetMinThreads(Environment.ProcessorCount * 8, Environment.ProcessorCount * 8);
        // Requests are pipelined, so a stall of the server queues them on their connections instead of needing more;
        // a few per core spread the server's work over its threads.
        const int connections = 32;

        // The one thread that reads every answer is scheduled like the sender, so an answer's time is taken when it
        // arrives, not when the generator next gets a core.
        var reader = "";
        await using var load = PipelinedLoad.Open(port, tokens, connections, onReaderStarted: () => reader = LinuxThread.Prepare(RaisedNice));
        var self = Process.GetCurrentProcess();
        var cpuBefore = self.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        var sender = "";
        var (collections0, collections2, paused) = (0, 0, TimeSpan.Zero);
        var result = await OpenLoopSchedule.Run(
            load,
            rate,
            warmup,
            duration,
            onSenderStarted: () =>
            {
                // Linux keeps a nice value per thread: the threads the warm-up created (the pool's, the sockets'
                // event loop) get it here too; this sender runs real-time where allowed, with a precise timer.
                if (!LinuxThread.SetNiceOfAllThreads(RaisedNice))
                {
                    Console.Error.WriteLine("open-loop generator: could not raise its priority (it needs CAP_SYS_NICE); it runs at the default");
                }

                sender = LinuxThread.Prepare(RaisedNice);
                (collections0, collections2, paused) = (GC.CollectionCount(0), GC.CollectionCount(2), GC.GetTotalPauseDuration());
            });
        self.Refresh();
        var output = new Result(
            result.FromSchedule.Rate,
            Summarise(result.FromSchedule),
            Summarise(result.FromSend),
            Summarise(result.Lag),
            (self.TotalProcessorTime - cpuBefore).TotalSeconds,
            wall.Elapsed.TotalSeconds,
            LinuxThread.ProcessNice(),
            sender,
            reader,
            connections,
            GC.CollectionCount(0) - collections0,
            GC.CollectionCount(2) - collections2,
            (GC.GetTotalPauseDuration() - paused).TotalMilliseconds);
        await File.WriteAllTextAsync(Argument("--out"), JsonSerializer.Serialize(output));
        return 0;
    }

    private static Summary Summarise(Latencies l) => new(l.Count, l.Errors, l.Elapsed.TotalSeconds, l.P50, l.P99, l.Max);

    /// <summary>Runs the probe as a child process and reads its result (with the CPU it used, by its own count).</summary>
    public static async Task<Result> RunChild(BenchContext ctx, int port, IReadOnlyList<string> tokens, double rate)
    {
        var tokenFile = Path.Combine(ctx.Options.WorkDir, "openloop.tokens");
        var output = Path.Combine(ctx.Options.WorkDir, "openloop.json");
        await File.WriteAllLinesAsync(tokenFile, tokens);
        File.Delete(output);
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        start.ArgumentList.Add(typeof(OpenLoopProbe).Assembly.Location);
        foreach (var argument in new[]
                 {
                     "openloop", "--port", port.ToString(CultureInfo.InvariantCulture), "--tokens", tokenFile,
                     "--rate", rate.ToString("F1", CultureInfo.InvariantCulture),
                     "--warmup-ms", ((int)ctx.Options.Warmup.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
                     "--duration-ms", ((int)ctx.Options.Duration.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
                     "--out", output,
                 })
        {
            start.ArgumentList.Add(argument);
        }

        // Workstation GC with a gen0 budget of 256 MiB, so that few collections (each stops the sender too) fall
        // inside the window; the run reports how many did. Tiered compilation's start-up
        // cost is paid in the warm-up.
        start.Environment["DOTNET_gcServer"] = "0";
        start.Environment["DOTNET_GCgen0size"] = "0x10000000";
        using var child = Process.Start(start) ?? throw new InvalidOperationException("could not start the open-loop generator");
        File.AppendAllText(Path.Combine(ctx.Options.WorkDir, "pids"), $"{child.Id}\n");
        await child.WaitForExitAsync();
        if (child.ExitCode != 0 || !File.Exists(output))
        {
            throw new InvalidOperationException($"the open-loop generator exited with code {child.ExitCode}");
        }

        return JsonSerializer.Deserialize<Result>(await File.ReadAllTextAsync(output))!;
    }

    public const string GeneratorName = "open-loop generator";
}
