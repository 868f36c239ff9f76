using System.Diagnostics;

namespace Bench.Runner;

/// <summary>One request of a scenario: true when the answer was the expected one.</summary>
public delegate Task<bool> Operation(int worker, CancellationToken cancellationToken);

/// <summary>
/// Drives an operation either closed-loop (N workers, each sending its next request when the last one
/// answered: the maximum rate) or open-loop (requests started on a fixed schedule whatever the
/// answers do, latency counted from the scheduled start so a stall is not hidden).
/// </summary>
public static class LoadGenerator
{
    public static async Task<Latencies> ClosedLoop(Operation operation, int workers, TimeSpan warmup, TimeSpan duration)
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

        await Task.Delay(warmup);
        var clock = Stopwatch.StartNew();
        Volatile.Write(ref measuring, true);
        await Task.Delay(duration);
        Volatile.Write(ref measuring, false);
        var elapsed = clock.Elapsed;
        Volatile.Write(ref stop, true);
        await Task.WhenAll(tasks);
        return new Latencies(samples.SelectMany(s => s), errors.Sum(), elapsed);
    }

    /// <summary>
    /// Starts <paramref name="ratePerSecond"/> operations a second for <paramref name="duration"/>. The schedule is
    /// kept with 1 ms timer ticks (every request due by then is started at once), never by spinning, which
    /// would take a core from the servers on a small machine.
    /// </summary>
    /// <returns>Latencies counted from each request's scheduled start and from the moment it was actually sent, and
    /// the generator's own lag (sent minus scheduled) for every request, answered or not.</returns>
    public static async Task<OpenLoopResult> OpenLoop(Operation operation, double ratePerSecond, TimeSpan warmup, TimeSpan duration, int workerSlots)
    {
        await RunSchedule(operation, ratePerSecond, warmup, workerSlots, record: null);
        var fromSchedule = new List<double>((int)(ratePerSecond * duration.TotalSeconds) + 16);
        var fromSend = new List<double>(fromSchedule.Capacity);
        var lag = new List<double>(fromSchedule.Capacity);
        long errors = 0;
        var clock = Stopwatch.StartNew();
        await RunSchedule(operation, ratePerSecond, duration, workerSlots, (ok, scheduledMs, sentMs, lagMs) =>
        {
            lock (fromSchedule)
            {
                lag.Add(lagMs);
                if (ok)
                {
                    fromSchedule.Add(scheduledMs);
                    fromSend.Add(sentMs);
                }
                else
                {
                    errors++;
                }
            }
        });
        var elapsed = clock.Elapsed;
        return new OpenLoopResult(new Latencies(fromSchedule, errors, elapsed), new Latencies(fromSend, errors, elapsed), new Latencies(lag, 0, elapsed));
    }

    private static async Task RunSchedule(Operation operation, double ratePerSecond, TimeSpan duration, int workerSlots, Action<bool, double, double, double>? record)
    {
        var ticksPerRequest = Stopwatch.Frequency / ratePerSecond;
        var total = (long)(ratePerSecond * duration.TotalSeconds);
        var start = Stopwatch.GetTimestamp();
        var inFlight = new List<Task>((int)Math.Min(total, 1_000_000));
        for (long n = 0; n < total;)
        {
            var now = Stopwatch.GetTimestamp();
            while (n < total && start + (long)(n * ticksPerRequest) <= now)
            {
                var due = start + (long)(n * ticksPerRequest);
                inFlight.Add(Fire(operation, (int)(n % workerSlots), due, record));
                n++;
            }

            if (n < total)
            {
                await Task.Delay(1);
            }
        }

        await Task.WhenAll(inFlight);
    }

    private static async Task Fire(Operation operation, int slot, long due, Action<bool, double, double, double>? record)
    {
        var sent = Stopwatch.GetTimestamp();
        bool ok;
        try
        {
            ok = await operation(slot, CancellationToken.None);
        }
        catch (Exception)
        {
            ok = false;
        }

        var end = Stopwatch.GetTimestamp();
        record?.Invoke(ok, Latencies.ToMs(end - due), Latencies.ToMs(end - sent), Latencies.ToMs(sent - due));
    }
}

/// <summary>An open-loop pass: latency from the schedule, from the send, and how late the generator sent.</summary>
public sealed record OpenLoopResult(Latencies FromSchedule, Latencies FromSend, Latencies Lag);
