using System.Globalization;

namespace Bench.Runner;

/// <summary>
/// CPU time of the machine and of each process the bench started, from /proc, so each pass can say how
/// the two cores were split between the load generator and the servers.
/// </summary>
public sealed class CpuMeter(BenchOptions options, Func<IEnumerable<(string Name, int Pid)>> processes)
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux
    public const string RunnerName = "load generator (bench runner, mock Kafka)";

    public CpuSample Sample()
    {
        var byName = new Dictionary<string, double>
        {
            [RunnerName] = ProcessSeconds(Environment.ProcessId),
        };
        var jit = new Dictionary<string, double>
        {
            [RunnerName] = TieredCompilationSeconds(Environment.ProcessId),
        };
        List<(string Name, int Pid)> tracked = [.. processes()];
        // A process's children count with it (the Node stack's workers are children of its primary).
        var children = ChildrenByParent();
        foreach (var (name, pid) in tracked)
        {
            byName[name] = ProcessSeconds(pid) + children.GetValueOrDefault(pid, []).Sum(ProcessSeconds);
            jit[name] = TieredCompilationSeconds(pid);
        }

        if (PidFrom(Path.Combine(options.WorkDir, "pg", "postmaster.pid")) is { } postmaster)
        {
            byName["postgres"] = ProcessSeconds(postmaster) + ChildrenOf(postmaster).Sum(ProcessSeconds);
        }

        if (PidFrom(Path.Combine(options.WorkDir, "redis.pid")) is { } redis)
        {
            byName["redis"] = ProcessSeconds(redis);
        }

        var machine = MachineSeconds();
        return new CpuSample(DateTime.UtcNow, machine.Busy, machine.Steal, machine.SoftIrq, byName, jit);
    }

    /// <summary>CPU seconds of the JIT's background thread in every .NET process the bench started, the runner included.</summary>
    public double TieredCompilationSeconds() =>
        processes().Sum(p => TieredCompilationSeconds(p.Pid)) + TieredCompilationSeconds(Environment.ProcessId);

    /// <summary>Cores used by each process between two samples, busiest first, and by the whole machine.</summary>
    public static CpuSplit Shares(CpuSample before, CpuSample after)
    {
        var wall = (after.At - before.At).TotalSeconds;
        if (wall <= 0)
        {
            return new CpuSplit(0, 0, 0, [], []);
        }

        var parts = after.Processes
            .Where(p => before.Processes.ContainsKey(p.Key))
            .Select(p => (p.Key, Cores: (p.Value - before.Processes[p.Key]) / wall))
            .Where(p => p.Cores >= 0.01)
            .OrderByDescending(p => p.Cores)
            .ToList();
        var jit = after.Jit
            .Where(p => before.Jit.ContainsKey(p.Key))
            .Select(p => (p.Key, Cores: (p.Value - before.Jit[p.Key]) / wall))
            .Where(p => p.Cores >= 0.01)
            .OrderByDescending(p => p.Cores)
            .ToList();
        return new CpuSplit((after.MachineBusy - before.MachineBusy) / wall, (after.Steal - before.Steal) / wall, (after.SoftIrq - before.SoftIrq) / wall, parts, jit);
    }

    public static string Split(CpuSample before, CpuSample after) => Shares(before, after).ToString();

    private static double ProcessSeconds(int pid)
    {
        try
        {
            return StatSeconds(File.ReadAllText($"/proc/{pid}/stat"));
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>User and system CPU seconds from a /proc stat line (a process's or a thread's).</summary>
    private static double StatSeconds(string stat)
    {
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // After the command: state is field 3, so utime (14) and stime (15) are at 11 and 12 here.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    /// <summary>
    /// CPU seconds of a process's ".NET Tiered Compilation" worker: the thread that compiles hot methods again at
    /// tier 1 in the background. The first compilation (tier 0) runs on the calling thread and cannot be told apart.
    /// </summary>
    private static double TieredCompilationSeconds(int pid)
    {
        double seconds = 0;
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    // The kernel keeps 15 characters of a thread's name.
                    if (File.ReadAllText(Path.Combine(task, "comm")).StartsWith(".NET Tiered Com", StringComparison.Ordinal))
                    {
                        seconds += StatSeconds(File.ReadAllText(Path.Combine(task, "stat")));
                    }
                }
                catch (IOException)
                {
                    // The thread ended meanwhile.
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process exited.
        }

        return seconds;
    }

    private static Dictionary<int, List<int>> ChildrenByParent()
    {
        var byParent = new Dictionary<int, List<int>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.TryParse(fields[1], out var ppid))
                {
                    (byParent.TryGetValue(ppid, out var list) ? list : byParent[ppid] = []).Add(pid);
                }
            }
            catch (IOException)
            {
                // Exited meanwhile.
            }
        }

        return byParent;
    }

    public static IEnumerable<int> ChildrenOf(int parent)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue;
            }

            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (int.TryParse(fields[1], out var ppid) && ppid == parent)
            {
                yield return pid;
            }
        }
    }

    public static string F(double cores) => cores.ToString("F2", CultureInfo.InvariantCulture);

    private static (double Busy, double Steal, double SoftIrq) MachineSeconds()
    {
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // user nice system idle iowait irq softirq steal: busy is everything but idle and iowait.
        var values = cpu.Skip(1).Take(8).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        return ((values.Sum() - values[3] - values[4]) / TicksPerSecond, values[7] / TicksPerSecond, values[6] / TicksPerSecond);
    }

    private static int? PidFrom(string file) =>
        File.Exists(file) && int.TryParse(File.ReadLines(file).FirstOrDefault()?.Trim(), out var pid) ? pid : null;
}

/// <remarks><see cref="Jit"/>: each process's tiered-compilation thread, already counted in <see cref="Processes"/>.</remarks>
public sealed record CpuSample(
    DateTime At, double MachineBusy, double Steal, double SoftIrq, IReadOnlyDictionary<string, double> Processes, IReadOnlyDictionary<string, double> Jit);

/// <summary>Cores used during a pass: the machine's, and each process's, busiest first.</summary>
public sealed record CpuSplit(
    double Machine, double Steal, double SoftIrq, IReadOnlyList<(string Name, double Cores)> Processes, IReadOnlyList<(string Name, double Cores)> Jit)
{
    /// <summary>The same split with a process whose CPU was counted elsewhere (a child that exited before the last sample).</summary>
    public CpuSplit With(string name, double cores) =>
        this with { Processes = [.. Processes.Append((Name: name, Cores: cores)).OrderByDescending(p => p.Item2)] };

    /// <summary>The machine's load, the three busiest processes, and what ran outside the bench's own processes.</summary>
    public string Summary()
    {
        var outside = Math.Max(0, Machine - Processes.Sum(p => p.Cores) - SoftIrq);
        return $"{CpuMeter.F(Machine)} of {Environment.ProcessorCount} cores busy; " +
            string.Join(", ", Processes.Take(3).Select(p => $"{p.Name} {CpuMeter.F(p.Cores)}")) +
            $"; outside the bench {CpuMeter.F(outside)}";
    }

    public double Outside => Math.Max(0, Machine - Processes.Sum(p => p.Cores) - SoftIrq);

    public double Of(string name) => Processes.Where(p => p.Name == name).Select(p => p.Cores).FirstOrDefault();

    public override string ToString() =>
        $"machine {CpuMeter.F(Machine)} of {Environment.ProcessorCount} cores busy (of which hypervisor steal {CpuMeter.F(Steal)}, " +
        $"softirq {CpuMeter.F(SoftIrq)}): {string.Join(", ", Processes.Select(p => $"{p.Name} {CpuMeter.F(p.Cores)}"))}" +
        (Jit.Count == 0 ? "" : $"; of which JIT (tiered compilation): {string.Join(", ", Jit.Select(p => $"{p.Name} {CpuMeter.F(p.Cores)}"))}");
}
