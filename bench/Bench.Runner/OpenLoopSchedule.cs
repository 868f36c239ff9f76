using System.Diagnostics;

namespace Bench.Runner;

/// <summary>
/// Sends requests on a fixed schedule — request n is due at start + n ÷ rate whatever the earlier answers did — and
/// counts each one's latency from its due time, so a stall of the server shows in every request it delayed.
/// One dedicated thread keeps the schedule: it sleeps until the next due time (whole milliseconds with
/// <see cref="Thread.Sleep(int)"/>, the rest with a sub-millisecond sleep) and writes the request itself on one of
/// the <see cref="PipelinedLoad"/>'s connections without waiting for the answer, which that connection's reader
/// records. How late each request was sent is counted for every request.
/// </summary>
public static class OpenLoopSchedule
{
    /// <summary>Closer than this to a due time the sender spins; kept short, as at 20,000 requests/s a longer spin would take a large share of a core.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 200_000; // 5 µs

    /// <summary>The sender wakes at most this often (0.25 ms): at 25,000 requests/s that is one wake-up per 6 requests, not one per request.</summary>
    private static readonly long TickTicks = Stopwatch.Frequency / 4_000;

    /// <summary>Farther than this the sender sleeps whole milliseconds first (the coarse sleep can overshoot by about 1 ms).</summary>
    private static readonly long CoarseTicks = Stopwatch.Frequency / 500; // 2 ms

    /// <summary>
    /// Runs the schedule on <paramref name="load"/> for <paramref name="warmup"/> unrecorded, then for
    /// <paramref name="duration"/> recorded. <paramref name="onSenderStarted"/> runs first on the sender thread (to
    /// raise its priority). Answers still missing 30 s after the last send count as errors.
    /// </summary>
    public static async Task<OpenLoopResult> Run(
        PipelinedLoad load, double ratePerSecond, TimeSpan warmup, TimeSpan duration, Action onSenderStarted)
    {
        await RunSchedule(load, ratePerSecond, warmup, onSenderStarted);
        var clock = Stopwatch.StartNew();
        var pass = await RunSchedule(load, ratePerSecond, duration, onSenderStarted);
        var elapsed = clock.Elapsed;

        var fromSchedule = new List<double>(pass.Due.Length);
        var fromSend = new List<double>(pass.Due.Length);
        var lag = new List<double>(pass.Due.Length);
        long errors = 0;
        for (var n = 0; n < pass.Due.Length; n++)
        {
            lag.Add(Latencies.ToMs(pass.Sent[n] - pass.Due[n]));
            if (pass.Answered[n] != 0 && pass.Ok[n])
            {
                fromSchedule.Add(Latencies.ToMs(pass.Answered[n] - pass.Due[n]));
                fromSend.Add(Latencies.ToMs(pass.Answered[n] - pass.Sent[n]));
            }
            else
            {
                errors++;
            }
        }

        return new OpenLoopResult(new Latencies(fromSchedule, errors, elapsed), new Latencies(fromSend, errors, elapsed), new Latencies(lag, 0, elapsed));
    }

    private static async Task<PipelinedLoad.Pass> RunSchedule(PipelinedLoad load, double ratePerSecond, TimeSpan duration, Action onSenderStarted)
    {
        var pass = new PipelinedLoad.Pass((long)(ratePerSecond * duration.TotalSeconds));
        var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sender = new Thread(() =>
        {
            try
            {
                onSenderStarted();
                Send(load, pass, ratePerSecond);
                sent.SetResult();
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
        await sent.Task;
        await pass.AllAnswered(TimeSpan.FromSeconds(30));
        return pass;
    }

    /// <summary>The sender thread's loop: wait for each due time, write the request, go on to the next.</summary>
    private static void Send(PipelinedLoad load, PipelinedLoad.Pass pass, double ratePerSecond)
    {
        var ticksPerRequest = Stopwatch.Frequency / ratePerSecond;
        var start = Stopwatch.GetTimestamp();
        var woke = start;
        for (long n = 0; n < pass.Due.Length; n++)
        {
            var due = start + (long)(n * ticksPerRequest);
            if (due > Stopwatch.GetTimestamp())
            {
                // Every wake-up of this real-time thread takes a core from the server for a moment: wake at most
                // once per tick and send everything due by then (late by less than a tick, which is counted).
                WaitUntil(Math.Max(due, woke + TickTicks));
                woke = Stopwatch.GetTimestamp();
            }

            load.Send(pass, n, due);
        }
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
}

/// <summary>An open-loop pass: latency from the schedule, from the send, and how late the generator sent.</summary>
public sealed record OpenLoopResult(Latencies FromSchedule, Latencies FromSend, Latencies Lag);
