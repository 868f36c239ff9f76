using System.Diagnostics;

namespace Bench.Runner;

/// <summary>
/// Sends requests on a fixed schedule — request n is due at start + n ÷ rate whatever the earlier answers did — and
/// counts each one's latency from its due time, so a stall of the server shows in every request it delayed.
/// One dedicated thread keeps the schedule: it sleeps until the next due time (whole milliseconds with
/// <see cref="Thread.Sleep(int)"/>, the rest with a sub-millisecond sleep) and starts the request itself without
/// awaiting it: HttpClient writes the request on this thread when a pooled connection is free, and the answer
/// completes on the thread pool. The earlier pacing (Task.Delay(1) on the pool, each tick's requests sent in a
/// burst) sent them late by up to 20 ms under load; how late this one sends is counted for every request.
/// </summary>
public static class OpenLoopSchedule
{
    /// <summary>Closer than this to a due time the sender spins; kept short, as at 20,000 requests/s a longer spin would take a large share of a core.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 200_000; // 5 µs

    /// <summary>Farther than this the sender sleeps whole milliseconds first (the coarse sleep can overshoot by about 1 ms).</summary>
    private static readonly long CoarseTicks = Stopwatch.Frequency / 500; // 2 ms

    private delegate void Record(bool ok, long due, long sent, long answered);

    /// <summary>
    /// Opens <paramref name="connections"/> connections, runs the schedule for <paramref name="warmup"/> unrecorded, then
    /// for <paramref name="duration"/> recorded. <paramref name="onSenderStarted"/> runs first on the sender thread (to
    /// raise its priority).
    /// </summary>
    public static async Task<OpenLoopResult> Run(
        Operation operation, double ratePerSecond, TimeSpan warmup, TimeSpan duration, int workerSlots, int connections, Action onSenderStarted)
    {
        // Enough connections open before the first due time that no scheduled request waits for a TCP handshake.
        await Task.WhenAll(Enumerable.Range(0, connections).Select(i => operation(i % workerSlots, CancellationToken.None)));
        await RunSchedule(operation, ratePerSecond, warmup, workerSlots, onSenderStarted, record: null);

        var capacity = (int)(ratePerSecond * duration.TotalSeconds) + 16;
        var fromSchedule = new List<double>(capacity);
        var fromSend = new List<double>(capacity);
        var lag = new List<double>(capacity);
        long errors = 0;
        var clock = Stopwatch.StartNew();
        await RunSchedule(operation, ratePerSecond, duration, workerSlots, onSenderStarted, (ok, due, sent, answered) =>
        {
            lock (lag)
            {
                lag.Add(Latencies.ToMs(sent - due));
                if (ok)
                {
                    fromSchedule.Add(Latencies.ToMs(answered - due));
                    fromSend.Add(Latencies.ToMs(answered - sent));
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

    private static async Task RunSchedule(Operation operation, double ratePerSecond, TimeSpan duration, int workerSlots, Action onSenderStarted, Record? record)
    {
        var sent = new TaskCompletionSource<List<Task>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var sender = new Thread(() =>
        {
            try
            {
                onSenderStarted();
                sent.SetResult(Send(operation, ratePerSecond, duration, workerSlots, record));
            }
            catch (Exception e)
            {
                sent.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "open-loop sender",
        };
        sender.Start();
        await Task.WhenAll(await sent.Task);
    }

    /// <summary>The sender thread's loop: wait for each due time, start the request, go on to the next.</summary>
    private static List<Task> Send(Operation operation, double ratePerSecond, TimeSpan duration, int workerSlots, Record? record)
    {
        var ticksPerRequest = Stopwatch.Frequency / ratePerSecond;
        var total = (long)(ratePerSecond * duration.TotalSeconds);
        var inFlight = new List<Task>((int)Math.Min(total, 1_000_000));
        var start = Stopwatch.GetTimestamp();
        for (long n = 0; n < total; n++)
        {
            var due = start + (long)(n * ticksPerRequest);
            WaitUntil(due);
            inFlight.Add(Fire(operation, (int)(n % workerSlots), due, record));
        }

        return inFlight;
    }

    private static void WaitUntil(long due)
    {
        while (true)
        {
            var left = due - Stopwatch.GetTimestamp();
            if (left <= 0)
            {
                return;
            }

            if (left > CoarseTicks)
            {
                Thread.Sleep((int)(left * 1000 / Stopwatch.Frequency) - 1);
            }
            else if (left > SpinTicks)
            {
                LinuxThread.Sleep((left - SpinTicks) * 1_000_000_000 / Stopwatch.Frequency);
            }
            else
            {
                Thread.SpinWait(10);
            }
        }
    }

    /// <summary>Runs on the sender thread up to the first wait for the answer; the rest runs on the thread pool.</summary>
    private static async Task Fire(Operation operation, int slot, long due, Record? record)
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

        record?.Invoke(ok, due, sent, Stopwatch.GetTimestamp());
    }
}

/// <summary>An open-loop pass: latency from the schedule, from the send, and how late the generator sent.</summary>
public sealed record OpenLoopResult(Latencies FromSchedule, Latencies FromSend, Latencies Lag);
