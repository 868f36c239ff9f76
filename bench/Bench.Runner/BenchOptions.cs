namespace Bench.Runner;

/// <summary>What bench/run.sh hands the runner: the mode, the services it started, where to write.</summary>
public sealed record BenchOptions
{
    public bool Smoke { get; init; }

    /// <summary>Only this scenario (S1..S8), or all of them when null.</summary>
    public string? Scenario { get; init; }

    public required string RepoRoot { get; init; }
    public required string WorkDir { get; init; }
    public required string ResultsPath { get; init; }
    public required string Command { get; init; }
    public int PostgresPort { get; init; }
    public string PostgresPassword { get; init; } = "";
    public int RedisPort { get; init; }
    public string RedisVersion { get; init; } = "?";
    public string SdkVersion { get; init; } = "?";

    /// <summary>
    /// Extra environment for the product's own servers (silos and front ends, not the baselines), from
    /// BENCH_SERVER_ENV ("NAME=value;NAME=value"): to try a runtime setting such as a GC mode without a rebuild.
    /// </summary>
    public IReadOnlyDictionary<string, string> ServerEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>BenchmarkDotNet's GitHub-flavoured report of bench/Bench.Micro, when run.sh ran it.</summary>
    public string? MicroReport { get; init; }

    public TimeSpan Warmup => Smoke ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(2);
    public TimeSpan Duration => Smoke ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(8);

    /// <summary>How long a warm-up may go on past <see cref="Warmup"/> while a server is still compiling (see <see cref="BenchContext.WarmUp"/>).</summary>
    public TimeSpan MaxCompileWait => Smoke ? TimeSpan.FromSeconds(3) : TimeSpan.FromSeconds(40);

    /// <summary>The passes that only explain a number (no target of their own) run shorter.</summary>
    public TimeSpan DiagnosisDuration => Smoke ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(5);

    /// <summary>Samples for the one-at-a-time measurements (enumeration timing, revocation, event latency).</summary>
    public int Samples => Smoke ? 20 : 200;

    public int MemorySessions => Smoke ? 5_000 : 100_000;

    public bool Runs(string scenario) => Scenario is null || string.Equals(Scenario, scenario, StringComparison.OrdinalIgnoreCase);

    public string PostgresConnection =>
        $"Host=127.0.0.1;Port={PostgresPort};Username=postgres;Password={PostgresPassword};Database=postgres";

    public static BenchOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>();
        var smoke = false;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--smoke")
            {
                smoke = true;
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
            {
                values[args[i][2..]] = args[++i];
            }
            else
            {
                throw new ArgumentException($"unexpected argument '{args[i]}'");
            }
        }

        string Required(string name) => values.TryGetValue(name, out var v) ? v : throw new ArgumentException($"--{name} is required");
        var scenario = values.GetValueOrDefault("scenario")?.ToUpperInvariant();
        if (scenario is not null && scenario is not ("S1" or "S2" or "S3" or "S4" or "S5" or "S6" or "S7" or "S8"))
        {
            throw new ArgumentException($"--scenario must be one of S1..S8, not '{scenario}'");
        }

        return new BenchOptions
        {
            Smoke = smoke,
            Scenario = scenario,
            RepoRoot = Required("repo"),
            WorkDir = Required("work"),
            ResultsPath = Required("results"),
            Command = values.GetValueOrDefault("command") ?? "bench/run.sh",
            PostgresPort = int.Parse(Required("postgres-port")),
            PostgresPassword = File.ReadAllText(Required("postgres-password-file")).Trim(),
            RedisPort = int.Parse(Required("redis-port")),
            RedisVersion = values.GetValueOrDefault("redis-version") ?? "?",
            SdkVersion = values.GetValueOrDefault("sdk-version") ?? "?",
            MicroReport = values.GetValueOrDefault("micro-report"),
            ServerEnvironment = ParseEnvironment(Environment.GetEnvironmentVariable("BENCH_SERVER_ENV")),
        };
    }

    private static Dictionary<string, string> ParseEnvironment(string? text)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (text ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = pair.IndexOf('=');
            if (equals <= 0)
            {
                throw new ArgumentException($"BENCH_SERVER_ENV: '{pair}' is not NAME=value");
            }

            environment[pair[..equals]] = pair[(equals + 1)..];
        }

        return environment;
    }
}
