using System.Diagnostics;

namespace Bench.Runner;

/// <summary>
/// A silo, front end or baseline as its own OS process, started with exactly the environment it is
/// given (as scripts/cluster.sh does with env -i). Its output goes straight to a log file through the
/// shell, so the load generator spends no CPU on the servers' logs. Each pid is also appended to a file
/// that bench/run.sh's trap reads, so nothing outlives the run even if this process is killed.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServiceProcess(string name, Process process, int httpPort, string log)
    {
        Name = name;
        _process = process;
        HttpPort = httpPort;
        Log = log;
    }

    public string Name { get; }
    public int HttpPort { get; }

    /// <summary>Where its Prometheus /metrics answers (the silo's HTTP port, a front end's MANAGEMENT_PORT), if anywhere.</summary>
    public int? MetricsPort { get; set; }
    public string Log { get; }
    public int Pid => _process.Id;

    public static ServiceProcess Start(BenchOptions options, string name, string dll, IReadOnlyDictionary<string, string> environment, int httpPort) =>
        Start(options, name, "dotnet", dll, environment, httpPort);

    /// <summary>Runs <paramref name="program"/> with one argument (a .dll for dotnet, a script for node) from the argument's folder.</summary>
    public static ServiceProcess Start(BenchOptions options, string name, string program, string file, IReadOnlyDictionary<string, string> environment, int httpPort)
    {
        var log = Path.Combine(options.WorkDir, $"{name}.log");
        var start = new ProcessStartInfo("/bin/sh")
        {
            WorkingDirectory = Path.GetDirectoryName(file)!,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$0\" \"$1\" >\"$2\" 2>&1");
        start.ArgumentList.Add(program);
        start.ArgumentList.Add(file);
        start.ArgumentList.Add(log);
        start.Environment.Clear();
        foreach (var inherited in new[] { "PATH", "HOME", "DOTNET_ROOT" })
        {
            if (Environment.GetEnvironmentVariable(inherited) is { Length: > 0 } value)
            {
                start.Environment[inherited] = value;
            }
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {name}");
        File.AppendAllText(Path.Combine(options.WorkDir, "pids"), $"{process.Id}\n");
        return new ServiceProcess(name, process, httpPort, log);
    }

    public async Task WaitUntilReady(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode}; see {Log}");
            }

            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{HttpPort}/health/ready")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"{Name} was not ready in {timeout.TotalSeconds} s; see {Log}");
    }

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Freezes the process and its children (SIGSTOP) until <see cref="Resume"/>: a comparison stack that is not being
    /// measured then takes no CPU from the passes that are (the Node stack idles at about 0.06 cores).
    /// </summary>
    public void Pause() => Signal("STOP");

    public void Resume() => Signal("CONT");

    private void Signal(string signal)
    {
        foreach (var pid in CpuMeter.ChildrenOf(Pid).Prepend(Pid))
        {
            using var kill = Process.Start("kill", $"-{signal} {pid}");
            kill.WaitForExit();
        }
    }

    /// <summary>SIGKILL, as <c>kill -9</c>: no shutdown, no goodbye to the cluster.</summary>
    public async Task KillHard()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
