using System.Globalization;

namespace Bench.Runner;

/// <summary>
/// The .NET runtime's GC counters of each server, read from its Prometheus endpoint (the silo's /metrics, a front
/// end's on MANAGEMENT_PORT): time paused for collections and bytes allocated, so a pass can say whether garbage
/// collection is part of what bounds it.
/// </summary>
public sealed class RuntimeCounters(Func<IEnumerable<(string Name, int MetricsPort)>> endpoints) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(2) };

    /// <remarks>
    /// <see cref="JitSeconds"/>: time the JIT spent compiling, on every thread and at every tier.
    /// <see cref="SessionsRevoked"/>: sessions a silo revoked (a logout, a password change, the per-user limit); 0 elsewhere.
    /// </remarks>
    public sealed record Reading(double PauseSeconds, double AllocatedBytes, double Collections, double JitSeconds, double SessionsRevoked);

    public async Task<Dictionary<string, Reading>> Sample()
    {
        var readings = new Dictionary<string, Reading>();
        foreach (var (name, port) in endpoints())
        {
            try
            {
                var text = await _http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
                readings[name] = new Reading(
                    Sum(text, "dotnet_gc_pause_time"), Sum(text, "dotnet_gc_heap_total_allocated"), Sum(text, "dotnet_gc_collections"), Sum(text, "dotnet_jit_compilation_time"),
                    Sum(text, "auth_sessions_revoked_total"));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // A process that is gone (S8 kills one) or does not export them: no reading.
            }
        }

        return readings;
    }

    /// <summary>One server's collections during a pass.</summary>
    public sealed record Pauses(string Name, double Share, double CollectionsPerSecond, double MeanPauseMs, double AllocatedBytesPerSecond);

    /// <summary>Per process that collected or allocated during the pass, the largest pause share first (idle servers are left out).</summary>
    public static List<Pauses> Deltas(Dictionary<string, Reading> before, Dictionary<string, Reading> after, TimeSpan wall) =>
        [.. after.Where(a => before.ContainsKey(a.Key)).Select(a =>
        {
            var paused = a.Value.PauseSeconds - before[a.Key].PauseSeconds;
            var collections = a.Value.Collections - before[a.Key].Collections;
            return new Pauses(
                a.Key,
                paused / wall.TotalSeconds,
                collections / wall.TotalSeconds,
                collections > 0 ? 1000 * paused / collections : 0,
                (a.Value.AllocatedBytes - before[a.Key].AllocatedBytes) / wall.TotalSeconds);
        }).Where(p => p.Share >= 0.001 || p.AllocatedBytesPerSecond >= 1048576).OrderByDescending(p => p.Share)];

    /// <summary>
    /// Per process: the share of the pass it spent paused for GC, how many collections and how long each paused on
    /// average (what a request caught by one waits), and its allocation rate.
    /// </summary>
    public static string Describe(IEnumerable<Pauses> pauses, double? operationsPerSecond = null) =>
        string.Join(", ", pauses.Select(p =>
        {
            var perOperation = operationsPerSecond is > 0 ? $" = {(p.AllocatedBytesPerSecond / operationsPerSecond.Value / 1024).ToString("F1", CultureInfo.InvariantCulture)} KB per operation" : "";
            var collections = p.CollectionsPerSecond > 0
                ? $" in {p.CollectionsPerSecond.ToString("F1", CultureInfo.InvariantCulture)} collections/s of {p.MeanPauseMs.ToString("F2", CultureInfo.InvariantCulture)} ms on average"
                : "";
            return $"{p.Name} paused {(100 * p.Share).ToString("F1", CultureInfo.InvariantCulture)} % of the time{collections}, allocating " +
                $"{(p.AllocatedBytesPerSecond / 1048576).ToString("F0", CultureInfo.InvariantCulture)} MB/s{perOperation}";
        }));

    /// <summary>The sum of every series of the metric whose name starts with <paramref name="prefix"/>.</summary>
    private static double Sum(string exposition, string prefix)
    {
        double total = 0;
        foreach (var line in exposition.Split('\n'))
        {
            if (!line.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            // name{labels} value [timestamp]
            var afterLabels = line.LastIndexOf('}') is var brace and >= 0 ? line[(brace + 1)..] : line[line.IndexOf(' ')..];
            var value = afterLabels.Trim().Split(' ')[0];
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            {
                total += v;
            }
        }

        return total;
    }

    public void Dispose() => _http.Dispose();
}
