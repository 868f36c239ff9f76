using System.Diagnostics;

namespace TestSupport;

/// <summary>
/// A silo or front end as its own OS process (`dotnet Silo.dll` / `dotnet Api.dll`), started with the
/// same environment variables compose sets, so it can be killed with SIGKILL like a crashed machine.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private NodeProcess(string name, Process process, StreamWriter log, int httpPort, int siloPort)
    {
        Name = name;
        _process = process;
        _log = log;
        HttpPort = httpPort;
        SiloPort = siloPort;
    }

    public string Name { get; }

    /// <summary>The port of its web endpoint (/health/...).</summary>
    public int HttpPort { get; }

    /// <summary>The silo-to-silo port (0 for a front end), which identifies a silo in membership.</summary>
    public int SiloPort { get; }

    public bool HasExited => _process.HasExited;

    public static NodeProcess StartSilo(string name, IDictionary<string, string?> settings) =>
        Start(name, "Silo.dll", settings, int.Parse(settings["SILO_HTTP_PORT"]!), int.Parse(settings["SILO_PORT"]!));

    public static NodeProcess StartApi(string name, IDictionary<string, string?> settings, int port) =>
        Start(name, "Api.dll", settings, port, siloPort: 0);

    private static NodeProcess Start(string name, string assembly, IDictionary<string, string?> settings, int httpPort, int siloPort)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assembly));
        // Only what the test names: nothing leaks in from the test runner's environment.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("TEST_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var artifacts = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(artifacts);
        var log = new StreamWriter(Path.Combine(artifacts, $"{name}.log"), append: false) { AutoFlush = true };
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new NodeProcess(name, process, log, httpPort, siloPort);
    }

    /// <summary>Waits until the node answers the given health path with 200.</summary>
    public async Task WaitUntilHealthy(string path = "/health/ready", int seconds = 120)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode}; see artifacts/{Name}.log");
            }

            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{HttpPort}{path}")).IsSuccessStatusCode)
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

        throw new TimeoutException($"{Name} did not become healthy at {path} in {seconds} s; see artifacts/{Name}.log");
    }

    /// <summary>
    /// SIGSTOP: the process stays, its sockets stay open and take what is sent to them, and nothing is answered; what
    /// a test sends now is held in flight until it is killed.
    /// </summary>
    public async Task Pause()
    {
        using var signal = Process.Start("kill", ["-STOP", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await signal.WaitForExitAsync();
    }

    /// <summary>SIGKILL: no shutdown, no goodbye to the cluster.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGTERM, as `docker stop` sends: the host shuts down gracefully; returns once the process has exited.</summary>
    public async Task Stop(CancellationToken cancellationToken = default)
    {
        using (var signal = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await signal.WaitForExitAsync(cancellationToken);
        }

        await _process.WaitForExitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        await _log.DisposeAsync();
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.WriteLine(line);
        }
    }
}
