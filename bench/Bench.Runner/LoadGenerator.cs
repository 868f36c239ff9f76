using System.Diagnostics;

namespace Bench.Runner;

/// <summary>One request of a scenario: true when the answer was the expected one.</summary>
public delegate Task<bool> Operation(int worker, CancellationToken cancellationToken);

/// <summary>
/// Drives an operation closed-loop: N workers, each sending its next request when the last one answered (the
/// maximum rate). The open loop, a fixed schedule, is <see cref="OpenLoopSchedule"/>.
/// </summary>
public static class LoadGenerator
{
    /// <param name="warmUp">Runs under load before the measured window (<see cref="BenchContext.WarmUp"/>).</param>
    public static async Task<Latencies> ClosedLoop(Operation operation, int workers, Func<Task> warmUp, TimeSpan duration)
    {
        var measuring = false;
        var stop = false;
        var samples = new List<double>[workers];
        var errors = new long[workers];
        var tasks = new Task[workers];
        for (var w = 0; w < workers; w++)
        {
            var worker = w;
            samples[worker] = new List<double>(4096);
            tasks[worker] = Task.Run(async () =>
            {
                while (!Volatile.Read(ref stop))
                {
                    var started = Stopwatch.GetTimestamp();
                    bool ok;
                    try
                    {
                        ok = await operation(worker, CancellationToken.None);
                    }
                    catch (Exception)
                    {
                        ok = false;
                    }

                    var took = Stopwatch.GetTimestamp() - started;
                    if (!Volatile.Read(ref measuring))
                    {
                        continue;
                    }

                    if (ok)
                    {
                        samples[worker].Add(Latencies.ToMs(took));
                    }
                    else
                    {
                        errors[worker]++;
                    }
                }
            });
        }

        await warmUp();
        var clock = Stopwatch.StartNew();
        Volatile.Write(ref measuring, true);
        await Task.Delay(duration);
        Volatile.Write(ref measuring, false);
        var elapsed = clock.Elapsed;
        Volatile.Write(ref stop, true);
        await Task.WhenAll(tasks);
        return new Latencies(samples.SelectMany(s => s), errors.Sum(), elapsed);
    }
}
