using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Grains.Interfaces.Sessions;
using Silo.Hosting;
using TestSupport;

namespace Bench.Runner;

/// <summary>
/// S5, in a child process of its own so its heap holds nothing but a silo: the product's silo host
/// (SiloHost / SiloSetup, Redis clustering and session storage) started in process, then sessions
/// opened as a login opens them (records in session shards, see RecordShards), and the managed heap and RSS
/// compared before and after.
/// </summary>
public static class MemoryProbe
{
    public sealed record Result(
        int Sessions,
        long HeapBefore,
        long HeapAfter,
        long RssBefore,
        long RssAfter,
        double StartSeconds,
        Dictionary<string, int> Activations,
        int UserListsAlone,
        long UserListsHeapBefore,
        long UserListsHeapAfter,
        int Shards,
        long ShardsHeapBefore,
        long ShardsHeapAfter,
        int SessionRecords,
        int ListRecords);

    /// <summary>memory --redis-port P --sessions N --out FILE</summary>
    public static async Task<int> Run(string[] args)
    {
        var redisPort = Argument(args, "--redis-port");
        var sessions = int.Parse(Argument(args, "--sessions"), CultureInfo.InvariantCulture);
        var output = Argument(args, "--out");

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Production",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Orleans"] = "Error",
            // A cluster of its own: it must not join the benchmark's silos on the same Redis.
            ["CLUSTER_ID"] = $"bench-memory-{Guid.NewGuid():N}",
            ["SERVICE_ID"] = "bench-memory",
            ["REDIS_HOST"] = "127.0.0.1",
            ["REDIS_PORT"] = redisPort,
            ["ADVERTISED_IP"] = "127.0.0.1",
            ["SILO_PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["GATEWAY_PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["SILO_HTTP_PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            // As scripts/cluster.sh starts a silo: with the dashboard on (it keeps per-grain statistics).
            ["DASHBOARD_USERNAME"] = "ops",
            ["DASHBOARD_PASSWORD"] = Convert.ToHexString(RandomNumberGenerator.GetBytes(8)),
        });
        await using var app = SiloHost.Build(builder);
        await app.StartAsync();
        var grains = app.Services.GetRequiredService<IGrainFactory>();

        // The shards are a fixed cost, paid once whatever the number of sessions: measured apart, by activating every
        // shard of both kinds empty (asking each how many records it holds), so that the sessions measured below
        // activate none.
        var (shardsBefore, _) = Settle();
        await Parallel.ForEachAsync(Enumerable.Range(0, RecordShards.Count), async (shard, _) =>
        {
            await grains.GetGrain<ISessionShardGrain>(shard).SessionsInMemory();
            await grains.GetGrain<IUserSessionsShardGrain>(shard).ListsInMemory();
        });
        var (shardsAfter, _) = Settle();

        // Warm up first (JIT, connection pools, Orleans' own structures), so "before" already holds them.
        await Open(grains, 2_000);
        var (heapBefore, rssBefore) = Settle();
        var clock = Stopwatch.StartNew();
        await Open(grains, sessions);
        var startSeconds = clock.Elapsed.TotalSeconds;
        var (heapAfter, rssAfter) = Settle();

        var statistics = await grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        var activations = statistics
            .GroupBy(s => s.GrainType.Split(',')[0].Split('.')[^1])
            .ToDictionary(g => g.Key, g => g.Sum(s => s.ActivationCount));

        var counts = await Task.WhenAll(Enumerable.Range(0, RecordShards.Count).Select(async shard => (
            await grains.GetGrain<ISessionShardGrain>(shard).SessionsInMemory(),
            await grains.GetGrain<IUserSessionsShardGrain>(shard).ListsInMemory())));

        // The split: a quarter as many user session lists alone (read into memory, empty), to see what a session costs without its list.
        var lists = sessions / 4;
        var (listsBefore, _) = Settle();
        await Parallel.ForEachAsync(Enumerable.Range(0, lists), new ParallelOptions { MaxDegreeOfParallelism = 256 }, async (_, _) =>
            await grains.UserSessions(Guid.NewGuid()).List());
        var (listsAfter, _) = Settle();
        var result = new Result(sessions, heapBefore, heapAfter, rssBefore, rssAfter, startSeconds, activations, lists, listsBefore, listsAfter,
            2 * RecordShards.Count, shardsBefore, shardsAfter, counts.Sum(c => c.Item1), counts.Sum(c => c.Item2));
        await File.WriteAllTextAsync(output, JsonSerializer.Serialize(result));
        await app.StopAsync();
        return 0;
    }

    /// <summary>
    /// Opens sessions as a login does: each for its own user (so each also has its user's session list), with a
    /// fresh refresh-token hash, a user agent and an address as distinct strings, 256 at a time.
    /// </summary>
    private static Task Open(IGrainFactory grains, int count) =>
        Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 256 }, async (i, _) =>
        {
            var command = new StartSession(
                Guid.NewGuid(),
                Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
                TimeSpan.FromDays(7),
                TimeSpan.FromDays(1),
                $"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 #{i}",
                $"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}");
            if (!await grains.Session(Guid.NewGuid()).Start(command))
            {
                throw new InvalidOperationException("a fresh session id was already started");
            }
        });

    private static (long Heap, long Rss) Settle()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return (GC.GetTotalMemory(forceFullCollection: true), Rss());
    }

    private static long Rss()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    private static string Argument(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : throw new ArgumentException($"{name} is required");
    }
}
