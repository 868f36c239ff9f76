using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace Bench.Runner;

/// <summary>
/// S8: kill -9 one silo of three under load, and what every request in flight at that moment gets: an answer
/// (a read retried on a survivor: 200; a write: 200 or 503) and how long it waited for it.
/// </summary>
public static class FailoverScenario
{
    private const int Pairs = 16;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan AnswerWithin = TimeSpan.FromSeconds(5);

    private sealed record Call(bool Write, long Started, long Ended, int Status);

    public static async Task Run(BenchContext ctx)
    {
        var options = ctx.Options;
        var scenario = ctx.Report.Scenario("S8", "failover: kill -9 a silo of 3 under load",
            $"Three silos in one cluster (S6's, or started here). {Pairs} writers (`PUT /user/update/{{id}}` on their own users, `If-Match`) " +
            $"and {Pairs} readers (`GET /user/{{id}}` of the writers' users, so the front ends' cached views keep being invalidated and reads " +
            "reach the grains), closed loop, each request with a 15 s client timeout. After the warm-up one silo that is not the first " +
            "is killed with SIGKILL (no shutdown, no goodbye); the load goes on, then stops and waits for every answer. A request is " +
            "**in flight at the kill** if it was sent before and answered after. Target: each of them answered (no timeout) within " +
            $"{AnswerWithin.TotalSeconds:F0} s of the kill; reads are expected to be retried on a survivor (200), writes to answer 200 or 503.");

        if (ctx.Topology.Silos.Count(s => !s.HasExited) < 3)
        {
            await ctx.Topology.AddSilos(3 - ctx.Topology.Silos.Count(s => !s.HasExited));
            await Task.Delay(TimeSpan.FromSeconds(7));
        }

        var writers = await UpdateScenario.Writers(ctx.Api, "s8", Pairs);
        var calls = new ConcurrentQueue<Call>();
        var stop = false;
        var workers = Enumerable.Range(0, 2 * Pairs).Select(i => Task.Run(async () =>
        {
            var write = i < Pairs;
            var writer = writers[i % Pairs];
            var n = 0;
            while (!Volatile.Read(ref stop))
            {
                using var timeout = new CancellationTokenSource(RequestTimeout);
                var started = Stopwatch.GetTimestamp();
                int status;
                try
                {
                    if (write)
                    {
                        long version;
                        (var code, version) = await ctx.Api.Rename(writer.Id, writer.Token, writer.Version, $"Failover Writer {i} {++n}", timeout.Token);
                        status = (int)code;
                        if (code == HttpStatusCode.OK)
                        {
                            writer.Version = version;
                        }
                        else if (await ctx.Api.GetUser(writer.Id, writer.Token, timeout.Token) is (HttpStatusCode.OK, var current))
                        {
                            // Resynchronise only from a real answer: a failed read has no version to send.
                            writer.Version = current;
                        }
                    }
                    else
                    {
                        status = (int)(await ctx.Api.GetUser(writer.Id, writer.Token, timeout.Token)).Status;
                    }
                }
                catch (OperationCanceledException)
                {
                    status = -1;
                }
                catch (HttpRequestException)
                {
                    status = 0;
                }

                calls.Enqueue(new Call(write, started, Stopwatch.GetTimestamp(), status));
            }
        })).ToList();

        await Task.Delay(options.Warmup + TimeSpan.FromSeconds(2));
        var victim = ctx.Topology.Silos.Last(s => !s.HasExited);
        var killedAt = Stopwatch.GetTimestamp();
        await victim.KillHard();
        await Task.Delay(options.Smoke ? TimeSpan.FromSeconds(6) : TimeSpan.FromSeconds(12));
        Volatile.Write(ref stop, true);
        var stoppedAt = Stopwatch.GetTimestamp();
        await Task.WhenAll(workers);

        var all = calls.ToList();
        var inFlight = all.Where(c => c.Started < killedAt && c.Ended > killedAt).ToList();
        var after = all.Where(c => c.Started >= killedAt).ToList();
        double SinceKill(Call c) => Latencies.ToMs(c.Ended - killedAt);
        double Took(Call c) => Latencies.ToMs(c.Ended - c.Started);
        string Statuses(IEnumerable<Call> set) => string.Join(", ", set.GroupBy(c => c.Status).OrderBy(g => g.Key)
            .Select(g => $"{(g.Key switch { -1 => "no answer in 15 s", 0 => "connection error", _ => g.Key.ToString() })} × {g.Count()}"));

        var unanswered = inFlight.Count(c => c.Status <= 0);
        var longest = inFlight.Count == 0 ? 0 : inFlight.Max(SinceKill);
        var met = inFlight.Count > 0 && unanswered == 0 && longest <= AnswerWithin.TotalMilliseconds;
        scenario.Add(new ResultRow($"requests in flight at the kill: {inFlight.Count} ({Statuses(inFlight)})", "",
            "", $"longest to an answer: {Report.Ms(longest)} after the kill", unanswered.ToString(), "", "", $"every one answered within {AnswerWithin.TotalSeconds:F0} s", met));
        foreach (var (kind, set) in new[] { ("reads", inFlight.Where(c => !c.Write).ToList()), ("writes", inFlight.Where(c => c.Write).ToList()) })
        {
            scenario.Add(new ResultRow($"of which {kind}: {set.Count} ({Statuses(set)})", "", "",
                set.Count == 0 ? "" : $"longest: {Report.Ms(set.Max(Took))} from sending", set.Count(c => c.Status <= 0).ToString()));
        }

        var afterLatencies = new Latencies(after.Where(c => c.Status is >= 200 and < 300).Select(Took), after.Count(c => c.Status is < 200 or >= 300), TimeSpan.FromMilliseconds(Latencies.ToMs(stoppedAt - killedAt)));
        scenario.Add(new ResultRow($"requests sent after the kill: {after.Count} ({Statuses(after)})", Report.Rate(afterLatencies.Rate), Report.Ms(afterLatencies.P50), Report.Ms(afterLatencies.P99), afterLatencies.Errors.ToString()));
        scenario.Note($"killed {victim.Name} (pid {victim.Pid}); {all.Count:N0} requests in the pass; " +
            $"slowest answer after the kill {Report.Ms(after.Select(Took).DefaultIfEmpty(double.NaN).Max())}; " +
            $"in flight answered more than {AnswerWithin.TotalSeconds:F0} s after the kill: {inFlight.Count(c => SinceKill(c) > AnswerWithin.TotalMilliseconds)}.");
        if (!met)
        {
            scenario.Bound($"requests in flight at a silo kill answered within {AnswerWithin.TotalSeconds:F0} s",
                inFlight.Count == 0
                    ? "No request was in flight at the kill: the pass measured nothing (too little load)."
                    : $"{unanswered} of {inFlight.Count} got no answer (client timeout 15 s or a dropped connection) and the longest took {Report.Ms(longest)} after the kill: " +
                      $"slowest among reads {Report.Ms(inFlight.Where(c => !c.Write).Select(SinceKill).DefaultIfEmpty(0).Max())}, among writes {Report.Ms(inFlight.Where(c => c.Write).Select(SinceKill).DefaultIfEmpty(0).Max())} after the kill. " +
                      "Those requests waited on the dead silo until the cluster gave up on it: a behaviour of the failover path, not a CPU bound.");
        }
    }
}
