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
            $"storage on the bench's Redis, a cluster of its own), then {sessions:N0} sessions opened through `grains.Session(id).Start` " +
            "(each for its own user, as most users hold one session, so each also puts that user's session list in memory), 256 at a time. " +
            "Sessions and lists are records in shard grains (1,024 of each kind), not activations: every shard was activated empty first " +
            "and is reported as a fixed cost. Managed heap from `GC.GetTotalMemory(true)` after forced compacting collections, and RSS, " +
            "before and after (2,000 sessions were opened first to warm up). Then a quarter as many lists alone (empty), to split the cost. " +
            "Measured right after the logins, so every user's list is still in memory (it leaves after 3 idle minutes).");

        var output = Path.Combine(options.WorkDir, "memory.json");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        start.ArgumentList.Add(typeof(MemoryScenario).Assembly.Location);
        foreach (var argument in new[] { "memory", "--redis-port", options.RedisPort.ToString(), "--sessions", sessions.ToString(), "--out", output })
        {
            start.ArgumentList.Add(argument);
        }

        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{options.RedisPort},allowAdmin=true");
        var server = redis.GetServer("127.0.0.1", options.RedisPort);
        var usedBefore = await UsedMemory(server);
        var keysBefore = await server.DatabaseSizeAsync();
        using var child = Process.Start(start) ?? throw new InvalidOperationException("could not start the memory probe");
        File.AppendAllText(Path.Combine(options.WorkDir, "pids"), $"{child.Id}\n");
        await child.WaitForExitAsync();
        if (child.ExitCode != 0 || !File.Exists(output))
        {
            throw new InvalidOperationException($"the memory probe exited with code {child.ExitCode}");
        }

        var result = JsonSerializer.Deserialize<MemoryProbe.Result>(await File.ReadAllTextAsync(output))!;
        var usedAfter = await UsedMemory(server);
        var keysAfter = await server.DatabaseSizeAsync();
        var heapPerSession = (double)(result.HeapAfter - result.HeapBefore) / result.Sessions;
        var rssPerSession = (double)(result.RssAfter - result.RssBefore) / result.Sessions;
        scenario.Add(new ResultRow($"managed heap per session ({result.Sessions:N0} sessions)", $"{heapPerSession:F0} B", "", "", "0",
            "Keycloak ≈ 5 KB", Report.Ratio(heapPerSession / KeycloakBytesPerSession), "≤ 2 KB (2,048 B)", heapPerSession <= 2048));
        var perList = (double)(result.UserListsHeapAfter - result.UserListsHeapBefore) / result.UserListsAlone;
        scenario.Add(new ResultRow($"of which its user's session list (measured alone: {result.UserListsAlone:N0} empty lists read into memory)", $"{perList:F0} B", "", "", ""));
        scenario.Add(new ResultRow("so the session's record itself", $"{heapPerSession - perList:F0} B", "", "", ""));
        var perShard = (double)(result.ShardsHeapAfter - result.ShardsHeapBefore) / result.Shards;
        scenario.Add(new ResultRow($"fixed, not per session: {result.Shards:N0} shard activations, measured empty ({(result.ShardsHeapAfter - result.ShardsHeapBefore) / 1048576.0:F1} MiB in all)",
            $"{perShard:F0} B each", "", "", ""));
        scenario.Add(new ResultRow("RSS per session", $"{rssPerSession:F0} B", "", "", ""));
        scenario.Add(new ResultRow("opening them", Report.Rate(result.Sessions / result.StartSeconds, "sessions/s"), "", "", ""));
        // The probe also stores its warm-up sessions: divide by the session keys actually stored, not by the measured count.
        var stored = 0;
        await foreach (var _ in server.KeysAsync(pattern: "*/state/session/*", pageSize: 1000))
        {
            stored++;
        }

        stored = Math.Max(stored, 1);
        var redisPerSession = (double)(usedAfter - usedBefore) / stored;
        scenario.Add(new ResultRow($"Redis bytes per stored session (INFO memory used_memory {usedBefore / 1048576.0:F1} → {usedAfter / 1048576.0:F1} MiB over {stored:N0} session keys; all keys {keysBefore:N0} → {keysAfter:N0})",
            $"{redisPerSession:F0} B", "", "", "", "", "", "≤ 1 KB (1,024 B)", redisPerSession <= 1024));
        var sample = await SampleKey(server, redis.GetDatabase(), "*/state/session/*");
        var listSample = await SampleKey(server, redis.GetDatabase(), "*/state/usersessions/*");
        foreach (var (what, key) in new[] { ("one session's key", sample), ("one user's session-list key", listSample) })
        {
            if (key is { } k)
            {
                scenario.Add(new ResultRow($"MEMORY USAGE of {what} (`{k.Name}`, {k.Encoding})", $"{k.Bytes} B", "", "", ""));
            }
        }

        if (redisPerSession > 1024)
        {
            scenario.Bound("Redis bytes per stored session ≤ 1 KB",
                $"{(double)(keysAfter - keysBefore) / stored:F2} keys were stored per session (its own and its user's session list)" +
                (sample is { } k ? $"; one session's key alone takes {k.Bytes} B (MEMORY USAGE: the value, the key name and Redis' per-key overhead)" : "") +
                (listSample is { } l ? $", its user's list {l.Bytes} B ({l.Encoding})" : "") +
                ". What a session stores (its serialised state and the key's naming) is the bound, not the machine.");
        }

        if (heapPerSession > 2048)
        {
            scenario.Bound("managed heap per session ≤ 2 KB",
                $"Of the {heapPerSession:F0} B, the user's session list takes {perList:F0} B (measured alone) and the session's record " +
                $"{heapPerSession - perList:F0} B; records in memory after the run: {result.SessionRecords:N0} sessions, {result.ListRecords:N0} lists; " +
                "activations: " + string.Join(", ", result.Activations.OrderByDescending(a => a.Value).Take(4).Select(a => $"{a.Key} {a.Value:N0}")) + ".");
        }

        scenario.Note($"heap {result.HeapBefore / 1048576.0:F1} → {result.HeapAfter / 1048576.0:F1} MiB; RSS {result.RssBefore / 1048576.0:F1} → {result.RssAfter / 1048576.0:F1} MiB.");
        scenario.Note($"records in memory after: {result.SessionRecords:N0} sessions, {result.ListRecords:N0} user session lists (warm-up and the lists measured alone included).");
        scenario.Note("activations after: " + string.Join(", ", result.Activations.OrderByDescending(a => a.Value).Select(a => $"{a.Key} {a.Value:N0}")) + ".");
    }

    private static async Task<long> UsedMemory(StackExchange.Redis.IServer server)
    {
        var info = await server.InfoAsync("memory");
        return long.Parse(info.SelectMany(g => g).First(p => p.Key == "used_memory").Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The first key matching <paramref name="pattern"/>, what it costs Redis and how Redis encodes it: a hash whose
    /// values are all at most 64 bytes (hash-max-listpack-value) stays a compact listpack, a bigger one is a hashtable.
    /// </summary>
    private static async Task<(string Name, string Encoding, long Bytes)?> SampleKey(
        StackExchange.Redis.IServer server, StackExchange.Redis.IDatabase db, string pattern)
    {
        await foreach (var key in server.KeysAsync(pattern: pattern, pageSize: 1000))
        {
            var bytes = (long)await db.ExecuteAsync("MEMORY", "USAGE", key, "SAMPLES", "0");
            var encoding = (string?)await db.ExecuteAsync("OBJECT", "ENCODING", key) ?? "?";
            return (key.ToString(), $"{(await db.KeyTypeAsync(key)).ToString().ToLowerInvariant()}, {encoding}", bytes);
        }

        return null;
    }
}
