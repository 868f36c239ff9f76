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

    public sealed record Reading(double PauseSeconds, double AllocatedBytes);

    public async Task<Dictionary<string, Reading>> Sample()
    {
        var readings = new Dictionary<string, Reading>();
        foreach (var (name, port) in endpoints())
        {
            try
            {
                var text = await _http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
                readings[name] = new Reading(Sum(text, "dotnet_gc_pause_time"), Sum(text, "dotnet_gc_heap_total_allocated"));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // A process that is gone (S8 kills one) or does not export them: no reading.
            }
        }

        return readings;
    }

    /// <summary>Per process: the share of the pass it spent paused for GC, and its allocation rate.</summary>
    public static string Between(Dictionary<string, Reading> before, Dictionary<string, Reading> after, TimeSpan wall, double? operationsPerSecond = null) =>
        string.Join(", ", after.Where(a => before.ContainsKey(a.Key)).Select(a =>
        {
            var pause = (a.Value.PauseSeconds - before[a.Key].PauseSeconds) / wall.TotalSeconds;
            var allocated = (a.Value.AllocatedBytes - before[a.Key].AllocatedBytes) / wall.TotalSeconds;
            var perOperation = operationsPerSecond is > 0 ? $" = {(allocated / operationsPerSecond.Value / 1024).ToString("F1", CultureInfo.InvariantCulture)} KB per operation" : "";
            return (Pause: pause, Allocated: allocated, Text: $"{a.Key} paused {(100 * pause).ToString("F1", CultureInfo.InvariantCulture)} % of the time, allocating " +
                $"{(allocated / 1048576).ToString("F0", CultureInfo.InvariantCulture)} MB/s{perOperation}");
        }).Where(p => p.Pause >= 0.001 || p.Allocated >= 1048576).OrderByDescending(p => p.Pause).Select(p => p.Text)); // idle servers say nothing

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
