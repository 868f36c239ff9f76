using System.Diagnostics;
using System.Text.Json;

namespace Bench.Runner;

/// <summary>S5: bytes per active session on one silo, measured in a child process (see <see cref="MemoryProbe"/>).</summary>
public static class MemoryScenario
{
    private const double KeycloakBytesPerSession = 5 * 1024;

    public static async Task Run(BenchOptions options, Report report)
    {
        var sessions = options.MemorySessions;
        var scenario = report.Scenario("S5", "memory per active session",
            $"A silo hosted in a child process of the runner with the product's `SiloHost`/`SiloSetup` (Redis clustering and session " +
            $"storage on the bench's Redis, a cluster of its own), then {sessions:N0} sessions opened through `ISessionGrain.Start` " +
            "(each for its own user, as most users hold one session, so each also activates that user's `UserSessionsGrain`), 256 at a time. " +
            "Managed heap from `GC.GetTotalMemory(true)` after forced compacting collections, and RSS, before and after (2,000 sessions " +
            "were opened first to warm up). Then a quarter as many `UserSessionsGrain`s alone, to split the cost.");

        var output = Path.Combine(options.WorkDir, "memory.json");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        start.ArgumentList.Add(typeof(MemoryScenario).Assembly.Location);
        foreach (var argument in new[] { "memory", "--redis-port", options.RedisPort.ToString(), "--sessions", sessions.ToString(), "--out", output })
        {
            start.ArgumentList.Add(argument);
        }

        using var child = Process.Start(start) ?? throw new InvalidOperationException("could not start the memory probe");
        File.AppendAllText(Path.Combine(options.WorkDir, "pids"), $"{child.Id}\n");
        await child.WaitForExitAsync();
        if (child.ExitCode != 0 || !File.Exists(output))
        {
            throw new InvalidOperationException($"the memory probe exited with code {child.ExitCode}");
        }

        var result = JsonSerializer.Deserialize<MemoryProbe.Result>(await File.ReadAllTextAsync(output))!;
        var heapPerSession = (double)(result.HeapAfter - result.HeapBefore) / result.Sessions;
        var rssPerSession = (double)(result.RssAfter - result.RssBefore) / result.Sessions;
        scenario.Add(new ResultRow($"managed heap per session ({result.Sessions:N0} sessions)", $"{heapPerSession:F0} B", "", "", "0",
            "Keycloak ≈ 5 KB", Report.Ratio(heapPerSession / KeycloakBytesPerSession), "≤ 2 KB (2,048 B)", heapPerSession <= 2048));
        var perList = (double)(result.UserListsHeapAfter - result.UserListsHeapBefore) / result.UserListsAlone;
        scenario.Add(new ResultRow($"of which its user's `UserSessionsGrain` (measured alone: {result.UserListsAlone:N0} empty lists activated)", $"{perList:F0} B", "", "", ""));
        scenario.Add(new ResultRow("so the `SessionGrain` itself", $"{heapPerSession - perList:F0} B", "", "", ""));
        scenario.Add(new ResultRow("RSS per session", $"{rssPerSession:F0} B", "", "", ""));
        scenario.Add(new ResultRow("opening them", Report.Rate(result.Sessions / result.StartSeconds, "sessions/s"), "", "", ""));
        scenario.Note($"heap {result.HeapBefore / 1048576.0:F1} → {result.HeapAfter / 1048576.0:F1} MiB; RSS {result.RssBefore / 1048576.0:F1} → {result.RssAfter / 1048576.0:F1} MiB.");
        scenario.Note("activations after: " + string.Join(", ", result.Activations.OrderByDescending(a => a.Value).Select(a => $"{a.Key} {a.Value:N0}")) + ".");
    }
}
