using System.Diagnostics;

namespace Bench.Runner;

/// <summary>
/// Latencies of one measured pass, kept whole (a pass holds at most a few hundred thousand samples)
/// and sorted once, so percentiles are exact nearest-rank values rather than bucket estimates.
/// </summary>
public sealed class Latencies
{
    private readonly double[] _sortedMs;

    public Latencies(IEnumerable<double> milliseconds, long errors, TimeSpan elapsed)
    {
        _sortedMs = [.. milliseconds.Order()];
        Errors = errors;
        Elapsed = elapsed;
    }

    public int Count => _sortedMs.Length;
    public long Errors { get; }
    public TimeSpan Elapsed { get; }

    /// <summary>Successful operations per second over the pass.</summary>
    public double Rate => Elapsed > TimeSpan.Zero ? Count / Elapsed.TotalSeconds : 0;

    public double P50 => Percentile(0.50);
    public double P99 => Percentile(0.99);
    public double Max => Count == 0 ? double.NaN : _sortedMs[^1];

    /// <summary>Nearest rank: the smallest sample with at least <paramref name="fraction"/> of the samples at or below it.</summary>
    public double Percentile(double fraction)
    {
        if (Count == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(fraction * Count);
        return _sortedMs[Math.Clamp(rank - 1, 0, Count - 1)];
    }

    public static double ToMs(long stopwatchTicks) => stopwatchTicks * 1000.0 / Stopwatch.Frequency;
}
