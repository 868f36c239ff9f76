using System.Security.Cryptography;
using Streaming.Kafka.Testing;
using TestSupport;

namespace Bench.Runner;

/// <summary>
/// The product's topology as processes on free loopback ports: silos, the auth and user front ends, and
/// librdkafka's mock Kafka cluster in this process; PostgreSQL and Redis are bench/run.sh's. Each process
/// gets the variables scripts/cluster.sh gives it, with fresh ports, plus what a benchmark needs.
/// </summary>
public sealed class Topology : IAsyncDisposable
{
    public const string KafkaTopic = "user-events-v2";
    public const int KafkaPartitions = 8;
    public const string NodeKafkaTopic = "node-user-events";
    public const string AdminEmail = "bench-admin@example.com";

    private const string Release = "bin/Release/net10.0";
    private readonly BenchOptions _options;
    private readonly List<ServiceProcess> _silos = [];
    private readonly List<ServiceProcess> _extraFrontEnds = [];
    private readonly string _jwtSecret = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
    private readonly string _adminPassword = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
    private readonly string _clusterId = $"bench-{Guid.NewGuid():N}";

    private Topology(BenchOptions options, MockKafkaCluster kafka)
    {
        _options = options;
        Kafka = kafka;
    }

    public MockKafkaCluster Kafka { get; }
    public ServiceProcess AuthApi { get; private set; } = null!;
    public ServiceProcess UserApi { get; private set; } = null!;
    public ServiceProcess Baseline { get; private set; } = null!;

    /// <summary>Stock JwtBearer validating the product's tokens (Bench.Baseline, BASELINE_MODE=jwt).</summary>
    public ServiceProcess BaselineJwt { get; private set; } = null!;

    /// <summary>The Node/Express design's routes (bench/node-stack), on the same PostgreSQL, Redis and mock Kafka.</summary>
    public ServiceProcess NodeStack { get; private set; } = null!;
    public IReadOnlyList<ServiceProcess> Silos => _silos;

    public IEnumerable<ServiceProcess> Processes => _silos.Concat([AuthApi, UserApi, Baseline, BaselineJwt, NodeStack]).Concat(_extraFrontEnds).Where(p => p is not null);

    public static async Task<Topology> Start(BenchOptions options, int silos)
    {
        var kafka = MockKafkaCluster.Start(3);
        // The mock brokers do not implement CreateTopics, so the topic and its dead-letter topic exist before the silos look.
        kafka.CreateStreamTopics(KafkaTopic, KafkaPartitions);
        kafka.CreateTopic(NodeKafkaTopic, KafkaPartitions);
        var topology = new Topology(options, kafka);
        try
        {
            await topology.AddSilos(silos);
            topology.AuthApi = topology.StartApi("auth-api", "auth", "AUTH_PORT");
            topology.UserApi = topology.StartApi("user-api", "user", "USER_PORT");
            var baselinePort = FreePort.Next();
            topology.Baseline = ServiceProcess.Start(
                options,
                "baseline",
                Path.Combine(options.RepoRoot, "bench/Bench.Baseline", Release, "Bench.Baseline.dll"),
                new Dictionary<string, string> { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{baselinePort}" },
                baselinePort);
            var jwtPort = FreePort.Next();
            topology.BaselineJwt = ServiceProcess.Start(
                options,
                "baseline-jwt",
                Path.Combine(options.RepoRoot, "bench/Bench.Baseline", Release, "Bench.Baseline.dll"),
                new Dictionary<string, string>
                {
                    ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{jwtPort}",
                    ["BASELINE_MODE"] = "jwt",
                    ["JWT_SECRET"] = topology._jwtSecret,
                },
                jwtPort);
            topology.NodeStack = topology.StartNodeStack();
            foreach (var process in new[] { topology.AuthApi, topology.UserApi, topology.Baseline, topology.BaselineJwt, topology.NodeStack })
            {
                await process.WaitUntilReady(TimeSpan.FromSeconds(120));
            }

            // Running only for its own passes (BenchContext.NodeStackRunning).
            topology.NodeStack.Pause();
            return topology;
        }
        catch
        {
            await topology.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts more silos in the same cluster and waits until each is ready.</summary>
    public async Task AddSilos(int count)
    {
        var started = new List<ServiceProcess>();
        for (var i = 0; i < count; i++)
        {
            var index = _silos.Count;
            var httpPort = FreePort.Next();
            var environment = new Dictionary<string, string>(ClusterEnvironment())
            {
                ["POSTGRES_HOST"] = "127.0.0.1",
                ["POSTGRES_PORT"] = _options.PostgresPort.ToString(),
                ["POSTGRES_USER"] = "postgres",
                ["POSTGRES_PASSWORD"] = _options.PostgresPassword,
                ["POSTGRES_DB"] = "postgres",
                ["SILO_PORT"] = FreePort.Next().ToString(),
                ["GATEWAY_PORT"] = FreePort.Next().ToString(),
                ["SILO_HTTP_PORT"] = httpPort.ToString(),
                ["ADVERTISED_IP"] = "127.0.0.1",
                ["DASHBOARD_USERNAME"] = "ops",
                ["DASHBOARD_PASSWORD"] = Convert.ToHexString(RandomNumberGenerator.GetBytes(8)),
            };
            var silo = ServiceProcess.Start(_options, $"silo-{index}", Dll("Silo"), environment, httpPort);
            silo.MetricsPort = httpPort;
            _silos.Add(silo);
            started.Add(silo);
        }

        foreach (var silo in started)
        {
            await silo.WaitUntilReady(TimeSpan.FromSeconds(120));
        }
    }

    /// <summary>One more auth front end in this cluster with settings of its own (S7: another JWT_ALGORITHM); see <see cref="RemoveAuthApi"/>.</summary>
    public async Task<ServiceProcess> AddAuthApi(string name, IReadOnlyDictionary<string, string> settings)
    {
        var process = StartApi(name, "auth", "AUTH_PORT", settings);
        _extraFrontEnds.Add(process);
        await process.WaitUntilReady(TimeSpan.FromSeconds(120));
        return process;
    }

    /// <summary>Stops a front end <see cref="AddAuthApi"/> started, so it takes no CPU from later scenarios.</summary>
    public async Task RemoveAuthApi(ServiceProcess process)
    {
        _extraFrontEnds.Remove(process);
        await process.DisposeAsync();
    }

    private ServiceProcess StartNodeStack()
    {
        var port = FreePort.Next();
        var environment = new Dictionary<string, string>
        {
            ["PORT"] = port.ToString(),
            ["JWT_SECRET"] = _jwtSecret,
            ["REDIS_HOST"] = "127.0.0.1",
            ["REDIS_PORT"] = _options.RedisPort.ToString(),
            ["POSTGRES_HOST"] = "127.0.0.1",
            ["POSTGRES_PORT"] = _options.PostgresPort.ToString(),
            ["POSTGRES_USER"] = "postgres",
            ["POSTGRES_PASSWORD"] = _options.PostgresPassword,
            ["POSTGRES_DB"] = "postgres",
            ["KAFKA_BROKER"] = Kafka.BootstrapServers,
            ["KAFKA_TOPIC"] = NodeKafkaTopic,
            ["WORKERS"] = "2",
            ["NODE_ENV"] = "production",
        };
        return ServiceProcess.Start(_options, "node-stack", "node", Path.Combine(_options.RepoRoot, "bench/node-stack/server.js"), environment, port);
    }

    private ServiceProcess StartApi(string name, string role, string portVariable, IReadOnlyDictionary<string, string>? settings = null)
    {
        var port = FreePort.Next();
        var managementPort = FreePort.Next();
        var environment = new Dictionary<string, string>(ClusterEnvironment())
        {
            ["API_ROLE"] = role,
            [portVariable] = port.ToString(),
            // /metrics (with the runtime's GC counters) is served only on this port.
            ["MANAGEMENT_PORT"] = managementPort.ToString(),
            ["JWT_SECRET"] = _jwtSecret,
            // Every request of the load generator comes from 127.0.0.1: the per-client limit (60 a minute)
            // would turn S1 into a test of the limiter. The per-account throttle stays as shipped.
            ["CLIENT_RATE_LIMIT"] = "100000000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        if (role == "user")
        {
            environment["ADMIN_EMAIL"] = AdminEmail;
            environment["ADMIN_PASSWORD"] = _adminPassword;
        }

        var process = ServiceProcess.Start(_options, name, Dll("Api"), environment, port);
        process.MetricsPort = managementPort;
        return process;
    }

    private Dictionary<string, string> ClusterEnvironment()
    {
        var environment = new Dictionary<string, string>(_options.ServerEnvironment)
        {
            ["CLUSTER_ID"] = _clusterId,
            ["SERVICE_ID"] = "auth-service",
            ["REDIS_HOST"] = "127.0.0.1",
            ["REDIS_PORT"] = _options.RedisPort.ToString(),
            ["KAFKA_BROKER"] = Kafka.BootstrapServers,
            // Named, not left to the product's default: the mock brokers cannot create it, so it is made above.
            ["KAFKA_TOPIC"] = KafkaTopic,
        };
        return environment;
    }

    private string Dll(string project) => Path.Combine(_options.RepoRoot, project, Release, $"{project}.dll");

    public async ValueTask DisposeAsync()
    {
        // Front ends first, then silos, then the brokers they talk to.
        foreach (var process in _extraFrontEnds.Concat([AuthApi, UserApi, Baseline, BaselineJwt, NodeStack]).Where(p => p is not null))
        {
            await process.DisposeAsync();
        }

        foreach (var silo in Enumerable.Reverse(_silos))
        {
            await silo.DisposeAsync();
        }

        await Kafka.DisposeAsync();
    }
}
