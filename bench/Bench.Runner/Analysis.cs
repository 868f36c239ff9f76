using System.Globalization;

namespace Bench.Runner;

/// <summary>
/// Turns the counters a pass collected (its CPU split, the generator's lag) into the sentence the results'
/// analysis gives for a missed target, so RESULTS.md says what bounds a number without a hand-written file.
/// </summary>
public static class Analysis
{
    /// <summary>Below this share of the machine's cores busy, a pass is not bound by CPU but by waiting.</summary>
    private const double Saturated = 0.9;

    /// <summary>
    /// Whether the cores were the bound during <paramref name="pass"/>, which process used most of them, and the CPU
    /// each spent per operation (cores ÷ rate): comparing that with the baseline's says where the extra cost is.
    /// </summary>
    public static string CpuBound(ScenarioReport scenario, string pass, double rate, string unit)
    {
        if (!scenario.Cpu.TryGetValue(pass, out var split))
        {
            return $"No CPU split was recorded for \"{pass}\".";
        }

        var cores = Environment.ProcessorCount;
        var busy = split.Machine / cores;
        var verdict = busy >= Saturated
            ? $"CPU-bound: the machine was {CpuMeter.F(split.Machine)} of {cores} cores busy during \"{pass}\""
            : $"Not CPU-bound: the machine was only {CpuMeter.F(split.Machine)} of {cores} cores busy during \"{pass}\", so the time goes to waiting (a lock, a queue, a round trip, a serialised turn)";
        var perOperation = rate > 0
            ? string.Join(", ", split.Processes.Take(4).Select(p => $"{p.Name} {CpuMeter.F(p.Cores)} cores = {Micro(p.Cores / rate)} per {unit}{Compiling(split, p.Name, rate)}"))
            : "no operation completed";
        var gc = scenario.Gc.TryGetValue(pass, out var counters) ? $" GC: {counters}." : "";
        return $"{verdict}; {perOperation}; outside the bench {CpuMeter.F(split.Outside)} cores.{gc}";
    }

    /// <summary>
    /// Whether garbage collection alone accounts for a latency tail: the requests that arrive while a server is
    /// paused (about the share of the time it spends paused) each wait up to a pause, plus the backlog the pause
    /// leaves. With that share at 1 % or more, collections can make a p99 about a mean pause long; a p99 of more
    /// than twice the mean pause has another cause (the bench's 2-core runs showed 70 collections instead of 880,
    /// with a larger gen0, leave S2's open-loop p99 where it was).
    /// </summary>
    public static string GcTail(ScenarioReport scenario, string pass, double p99Ms)
    {
        if (!scenario.GcPauses.TryGetValue(pass, out var pauses) || pauses.Count == 0)
        {
            return "";
        }

        var worst = pauses[0];
        var share = (100 * worst.Share).ToString("F1", CultureInfo.InvariantCulture);
        var mean = worst.MeanPauseMs.ToString("F1", CultureInfo.InvariantCulture);
        if (worst.Share < 0.01 || worst.CollectionsPerSecond <= 0)
        {
            return $" Garbage collection does not account for it: the most paused server, {worst.Name}, was paused {share} % of the time.";
        }

        // A request that arrives during a pause waits for the rest of it and for the queue the pause built: a tail
        // several times the mean pause comes from somewhere else.
        return worst.MeanPauseMs >= 0.5 * p99Ms
            ? $" Garbage collection accounts for much of it: {worst.Name} was paused {share} % of the time, in collections of {mean} ms on average, " +
              $"at least half the p99 of {p99Ms.ToString("F1", CultureInfo.InvariantCulture)} ms."
            : $" Garbage collection does not explain it alone: {worst.Name} was paused {share} % of the time, but in collections of {mean} ms on average, " +
              $"well under the p99 of {p99Ms.ToString("F1", CultureInfo.InvariantCulture)} ms.";
    }

    /// <summary>The part of a process's CPU that its JIT's background thread spent compiling, per operation, when any.</summary>
    private static string Compiling(CpuSplit split, string name, double rate)
    {
        var jit = split.Jit.Where(p => p.Name == name).Select(p => p.Cores).FirstOrDefault();
        return jit > 0 ? $" (of which {Micro(jit / rate)} the JIT still compiling)" : "";
    }

    /// <summary>CPU seconds per operation, in microseconds.</summary>
    public static string Micro(double seconds) => $"{(seconds * 1e6).ToString("F0", CultureInfo.InvariantCulture)} µs";
}
