using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Bench.Runner;

/// <summary>One line of a scenario's table.</summary>
public sealed record ResultRow(
    string Measurement,
    string Throughput,
    string P50,
    string P99,
    string Errors,
    string Baseline = "",
    string Ratio = "",
    string Target = "",
    bool? Met = null);

public sealed class ScenarioReport(string id, string title, string measures)
{
    public string Id { get; } = id;
    public string Title { get; } = title;
    public string Measures { get; } = measures;
    public List<ResultRow> Rows { get; } = [];
    public List<string> Notes { get; } = [];

    /// <summary>How the cores were shared in each measured pass, by pass name; the analysis reads them.</summary>
    public Dictionary<string, CpuSplit> Cpu { get; } = [];

    /// <summary>The servers' GC pause share and allocation rate in each measured pass, where they export them.</summary>
    public Dictionary<string, string> Gc { get; } = [];

    /// <summary>The same GC counters as numbers, for an analysis that weighs them against a latency target.</summary>
    public Dictionary<string, List<RuntimeCounters.Pauses>> GcPauses { get; } = [];

    /// <summary>For a target not met: what the run's counters say bounds it (written into the Analysis section).</summary>
    public List<(string Target, string Explanation)> Bounds { get; } = [];

    public void Bound(string target, string explanation)
    {
        Bounds.Add((target, explanation));
        Console.WriteLine($"  {Id} bound: {target}: {explanation}");
    }
    public string? Failure { get; set; }

    public void Add(ResultRow row)
    {
        Rows.Add(row);
        Console.WriteLine($"  {Id} {row.Measurement}: {row.Throughput} p50 {row.P50} p99 {row.P99} errors {row.Errors} " +
            $"baseline {row.Baseline} ratio {row.Ratio} target {row.Target} {Verdict(row.Met)}");
    }

    public void Note(string note)
    {
        Notes.Add(note);
        Console.WriteLine($"  {Id} note: {note}");
    }

    public static string Verdict(bool? met) => met switch { true => "**met**", false => "**NOT met**", null => "" };
}

/// <summary>Collects every scenario's numbers and writes bench/RESULTS.md.</summary>
public sealed class Report(BenchOptions options)
{
    private readonly List<ScenarioReport> _scenarios = [];

    public string PostgresVersion { get; set; } = "?";

    public ScenarioReport Scenario(string id, string title, string measures)
    {
        var scenario = new ScenarioReport(id, title, measures);
        _scenarios.Add(scenario);
        Console.WriteLine($"{id} {title}");
        return scenario;
    }

    /// <summary>Marks the scenario failed, keeping whatever it measured before it threw.</summary>
    public void Fail(string id, string reason)
    {
        var scenario = _scenarios.LastOrDefault(s => s.Id == id) ?? Scenario(id, "failed", "");
        scenario.Failure = reason;
    }

    public bool AnyFailed => _scenarios.Any(s => s.Failure is not null);

    public static string Rate(double perSecond, string unit = "req/s") =>
        double.IsNaN(perSecond) ? "–" : $"{perSecond.ToString(perSecond >= 100 ? "F0" : "F1", CultureInfo.InvariantCulture)} {unit}";

    public static string Ms(double ms) => double.IsNaN(ms) ? "–" : $"{ms.ToString(ms >= 10 ? "F1" : "F2", CultureInfo.InvariantCulture)} ms";

    public static string Ratio(double ratio) => double.IsNaN(ratio) || double.IsInfinity(ratio) ? "–" : ratio.ToString("F2", CultureInfo.InvariantCulture);

    public void Write(TimeSpan elapsed)
    {
        var md = new StringBuilder();
        md.AppendLine("# Benchmark results");
        md.AppendLine();
        md.AppendLine(options.Smoke
            ? "**Smoke run**: a few seconds a scenario, to prove the harness works. The numbers are not measurements."
            : "Full run. Every ratio compares with a baseline measured in this same run on this same machine.");
        md.AppendLine();
        md.AppendLine("| | |");
        md.AppendLine("|---|---|");
        md.AppendLine($"| date | {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC (run took {elapsed.TotalMinutes:F1} min) |");
        md.AppendLine($"| command | `{options.Command}` |");
        md.AppendLine($"| nproc | {Environment.ProcessorCount} |");
        md.AppendLine($"| CPU | {CpuModel()} |");
        md.AppendLine($"| memory | {MemoryTotal()} |");
        md.AppendLine($"| .NET | {RuntimeInformation.FrameworkDescription} (SDK {options.SdkVersion}), {RuntimeInformation.OSDescription} |");
        md.AppendLine($"| Orleans | {VersionOf(typeof(IGrainFactory).Assembly)} |");
        md.AppendLine($"| Npgsql | {VersionOf(typeof(Npgsql.NpgsqlConnection).Assembly)} |");
        md.AppendLine($"| PostgreSQL | {PostgresVersion} |");
        md.AppendLine($"| Redis | {options.RedisVersion} |");
        md.AppendLine($"| Kafka | librdkafka {Confluent.Kafka.Library.VersionString} mock cluster (3 brokers, topic `{Topology.KafkaTopic}`, {Topology.KafkaPartitions} partitions), in the runner process |");
        md.AppendLine();
        md.AppendLine("Everything — load generator, silos, front ends, PostgreSQL, Redis, the mock Kafka brokers — shares these cores; " +
            "each table's notes give the CPU split of its passes (cores used, from /proc).");
        md.AppendLine();
        md.AppendLine("## Summary");
        md.AppendLine();
        md.AppendLine("| scenario | measurement | result | target | met? |");
        md.AppendLine("|---|---|---|---|---|");
        foreach (var scenario in _scenarios)
        {
            if (scenario.Failure is not null)
            {
                md.AppendLine($"| {scenario.Id} | — | failed: {Cell(scenario.Failure)} | | **failed** |");
            }

            foreach (var row in scenario.Rows.Where(r => r.Met is not null))
            {
                md.AppendLine($"| {scenario.Id} | {Cell(row.Measurement)} | {Cell(Headline(row))} | {Cell(row.Target)} | {ScenarioReport.Verdict(row.Met)} |");
            }
        }

        foreach (var scenario in _scenarios)
        {
            md.AppendLine();
            md.AppendLine($"## {scenario.Id} — {scenario.Title}");
            md.AppendLine();
            md.AppendLine(scenario.Measures);
            md.AppendLine();
            if (scenario.Failure is not null)
            {
                md.AppendLine($"**Failed:** `{scenario.Failure}`");
                md.AppendLine();
            }

            if (scenario.Rows.Count > 0)
            {
                md.AppendLine("| measurement | throughput | p50 | p99 | errors | baseline | ratio | target | met? |");
                md.AppendLine("|---|---|---|---|---|---|---|---|---|");
                foreach (var r in scenario.Rows)
                {
                    md.AppendLine($"| {Cell(r.Measurement)} | {r.Throughput} | {r.P50} | {r.P99} | {r.Errors} | {Cell(r.Baseline)} | {r.Ratio} | {Cell(r.Target)} | {ScenarioReport.Verdict(r.Met)} |");
                }

                md.AppendLine();
            }

            foreach (var note in scenario.Notes)
            {
                md.AppendLine($"- {note}");
            }
        }

        if (options.MicroReport is { } micro && File.Exists(micro))
        {
            md.AppendLine();
            md.AppendLine("## Micro-benchmarks (bench/Bench.Micro, BenchmarkDotNet short run, in process)");
            md.AppendLine();
            md.AppendLine(File.ReadAllText(micro).Trim());
        }

        WriteAnalysis(md);
        File.WriteAllText(options.ResultsPath, md.ToString());
        Console.WriteLine($"wrote {options.ResultsPath}");
    }

    /// <summary>
    /// What bounds each missed target, from the counters this run collected: the scenario's own explanation when it
    /// gave one, otherwise the CPU split of each of its passes. Nothing here is written by hand after the run.
    /// </summary>
    private void WriteAnalysis(StringBuilder md)
    {
        md.AppendLine();
        md.AppendLine("## Analysis (written by this run from its counters)");
        md.AppendLine();
        md.AppendLine($"This machine has {Environment.ProcessorCount} cores and everything shares them, so a closed-loop pass usually keeps them all busy and " +
            "a ratio then compares **CPU spent per request across all processes**: \"CPU-bound\" below names the processes that spent it, per operation " +
            "(cores ÷ rate). A pass that leaves the cores idle is bound by waiting instead. \"Outside the bench\" is CPU the machine spent on " +
            "processes the bench did not start: a non-zero value means the machine was not quiet and the numbers are not to be trusted. " +
            "A VM like this one moves by about ±15 % between windows: read a ratio as ±0.1.");
        var missed = 0;
        foreach (var scenario in _scenarios)
        {
            var rows = scenario.Rows.Where(r => r.Met == false).ToList();
            if (rows.Count == 0 && scenario.Failure is null)
            {
                continue;
            }

            md.AppendLine();
            md.AppendLine($"### {scenario.Id} — {scenario.Title}");
            md.AppendLine();
            if (scenario.Failure is not null)
            {
                md.AppendLine($"- **failed** before it measured everything: `{Cell(scenario.Failure)}`; see the servers' logs in bench/logs/.");
            }

            foreach (var (target, explanation) in scenario.Bounds)
            {
                md.AppendLine($"- **{target}** (NOT met): {explanation}");
            }

            // A scenario that gave no explanation of its own: the CPU split (and GC) of each of its passes is the counter there is.
            if (scenario.Bounds.Count == 0 && rows.Count > 0)
            {
                foreach (var row in rows)
                {
                    md.AppendLine($"- **{Cell(row.Target)}** for \"{Cell(row.Measurement)}\" (NOT met, {Cell(Headline(row))}).");
                }

                md.AppendLine("- How the cores were spent in the scenario's passes:");
                foreach (var (pass, split) in scenario.Cpu)
                {
                    md.AppendLine($"  - {pass}: {split.Summary()}" + (scenario.Gc.TryGetValue(pass, out var gc) ? $"; GC: {gc}" : ""));
                }
            }

            missed += rows.Count;
        }

        if (missed == 0 && !AnyFailed)
        {
            md.AppendLine();
            md.AppendLine("Every target measured in this run was met.");
        }
    }

    private static string Headline(ResultRow row)
    {
        if (row.Ratio.Length > 0)
        {
            return $"{row.Throughput} vs {row.Baseline} = {row.Ratio}";
        }

        var parts = new List<string>();
        if (row.Throughput.Length > 0)
        {
            parts.Add(row.Throughput);
        }

        if (row.P50.Length > 0)
        {
            parts.Add($"p50 {row.P50}");
        }

        if (row.P99.Length > 0)
        {
            parts.Add($"p99 {row.P99}");
        }

        // A baseline without a ratio (a latency beside another server's on the same schedule) follows the figures.
        return string.Join(", ", parts) + (row.Baseline.Length > 0 ? $" (beside {row.Baseline})" : "");
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    private static string VersionOf(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>() is { } info
            ? Regex.Match(info.InformationalVersion, @"^\d+(\.\d+)*(-[\w.]+)?").Value.TrimEnd('.')
            : assembly.GetName().Version?.ToString() ?? "?";

    private static string CpuModel() =>
        File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";

    private static string MemoryTotal()
    {
        var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        return line is not null && long.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], out var kib)
            ? $"{kib / 1048576.0:F1} GiB"
            : "?";
    }
}
