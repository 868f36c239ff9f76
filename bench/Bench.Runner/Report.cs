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

        var analysis = Path.Combine(options.RepoRoot, "bench", "ANALYSIS.md");
        if (!options.Smoke && File.Exists(analysis))
        {
            md.AppendLine();
            md.AppendLine(File.ReadAllText(analysis).TrimEnd());
        }

        File.WriteAllText(options.ResultsPath, md.ToString());
        Console.WriteLine($"wrote {options.ResultsPath}");
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

        return string.Join(", ", parts);
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
