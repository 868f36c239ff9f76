using System.Net;
using System.Net.Sockets;
using System.Data.Common;
using StackExchange.Redis;
using static Hosting.Configuration.Setting;

namespace Hosting.Configuration;

/// <summary>
/// Where the cluster runs and what backs it, read once from the variables of docs/contract.md, Configuration. Every provider
/// choice (in-memory versus PostgreSQL, Redis) is decided from this record and nowhere else.
/// </summary>
public sealed record DeploymentSettings
{
    // The defaults are the initializers below, written once; a setting that is not given keeps them.
    private static readonly DeploymentSettings Defaults = new();

    public string ClusterId { get; init; } = "auth-cluster";
    public string ServiceId { get; init; } = "auth-service";
    public int SiloPort { get; init; } = 11111;
    public int GatewayPort { get; init; } = 30000;
    public IPAddress? AdvertisedIp { get; init; }
    public int SiloHttpPort { get; init; } = 8080;

    /// <summary>StackExchange.Redis configuration string; null means localhost clustering and in-memory sessions.</summary>
    public string? RedisConnection { get; init; }

    /// <summary>Npgsql connection string; null means in-memory user storage.</summary>
    public string? PostgresConnection { get; init; }

    /// <summary>Kafka bootstrap servers for user events; null means in-memory streams.</summary>
    public string? KafkaBrokers { get; init; }

    /// <summary>
    /// The user-event topic. "-v2" since records are keyed by the dashed user id: keys moved partitions, so the
    /// old "user-events" topic is not reused (README, "Moving from user-events").
    /// </summary>
    public string KafkaTopic { get; init; } = DefaultKafkaTopic;

    public const string DefaultKafkaTopic = "user-events-v2";

    /// <summary>Replication of the topics the silo creates; 3 in production Kafka clusters.</summary>
    public short KafkaReplicationFactor { get; init; } = 1;

    /// <summary>min.insync.replicas of the topics the silo creates; null leaves the broker's default.</summary>
    public short? KafkaMinInSyncReplicas { get; init; }

    /// <summary>Partitions of the topic, which are the Orleans stream queues.</summary>
    public int KafkaPartitions { get; init; } = 8;

    /// <summary>
    /// How long the silo's Kafka producer gathers events before it sends them (librdkafka's <c>linger.ms</c>, whose
    /// default this keeps): more trades event latency for fewer, fuller requests (README, Design, "Kafka").
    /// </summary>
    public int KafkaLingerMs { get; init; } = 5;

    /// <summary>librdkafka's own upper bound for <c>linger.ms</c>.</summary>
    public const int MaxKafkaLingerMs = 900_000;

    /// <summary>How long an untouched session record stays in Redis; must exceed the refresh-token lifetime.</summary>
    public TimeSpan SessionStoreTtl { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Who may open the dashboard in a cluster; null there means it is not served.</summary>
    public (string Username, string Password)? DashboardCredentials { get; init; }

    /// <summary>
    /// The longest a front end waits for one grain call (GRAIN_CALL_TIMEOUT) before answering 503 with Retry-After. A
    /// call caught by a silo's death does not wait this long: <see cref="Failover.SiloLossCallFilter"/> fails it soon
    /// after the front end loses its connection to that silo.
    /// </summary>
    public TimeSpan GrainCallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Mutual TLS between silos and from front ends to gateways; null means plain TCP (development, tests).</summary>
    public ClusterTls? ClusterTls { get; init; }

    public bool PersistsNothing => RedisConnection is null && PostgresConnection is null;

    public static DeploymentSettings From(IConfiguration config)
    {
        var redisHost = Optional(config, "REDIS_HOST");
        var postgresHost = Optional(config, "POSTGRES_HOST");
        return new DeploymentSettings
        {
            ClusterId = Optional(config, "CLUSTER_ID") ?? Defaults.ClusterId,
            ServiceId = Optional(config, "SERVICE_ID") ?? Defaults.ServiceId,
            SiloPort = Port(config, "SILO_PORT", Defaults.SiloPort),
            GatewayPort = Port(config, "GATEWAY_PORT", Defaults.GatewayPort),
            SiloHttpPort = Port(config, "SILO_HTTP_PORT", Defaults.SiloHttpPort),
            AdvertisedIp = Address(config, "ADVERTISED_IP"),
            RedisConnection = redisHost is null ? null : RedisConnectionString(config, redisHost),
            PostgresConnection = postgresHost is null ? null : PostgresConnectionString(config, postgresHost),
            ClusterTls = ClusterTls.From(config),
            GrainCallTimeout = Duration(config, "GRAIN_CALL_TIMEOUT", Defaults.GrainCallTimeout),
            KafkaBrokers = Optional(config, "KAFKA_BROKER"),
            KafkaTopic = Optional(config, "KAFKA_TOPIC") ?? DefaultKafkaTopic,
            KafkaPartitions = Count(config, "KAFKA_PARTITIONS", Defaults.KafkaPartitions),
            KafkaReplicationFactor = (short)Math.Min(Count(config, "KAFKA_REPLICATION_FACTOR", 1), short.MaxValue),
            KafkaLingerMs = Milliseconds(config, "KAFKA_LINGER_MS", Defaults.KafkaLingerMs, MaxKafkaLingerMs),
            KafkaMinInSyncReplicas = Optional(config, "KAFKA_MIN_INSYNC_REPLICAS") is null ? null : (short)Math.Min(Count(config, "KAFKA_MIN_INSYNC_REPLICAS", 1), short.MaxValue),
            SessionStoreTtl = Duration(config, "SESSION_STORE_TTL", Defaults.SessionStoreTtl),
            DashboardCredentials = (Optional(config, "DASHBOARD_USERNAME"), Optional(config, "DASHBOARD_PASSWORD")) switch
            {
                (null, null) => null,
                ({ } username, { } password) => (username, password),
                _ => throw new ConfigurationException("DASHBOARD_USERNAME and DASHBOARD_PASSWORD must be set together."),
            },
        };
    }

    /// <summary>The address other silos and clients use: the configured one, else the first non-loopback IPv4 address.</summary>
    public IPAddress ResolveAdvertisedIp() =>
        AdvertisedIp
        ?? Dns.GetHostAddresses(Dns.GetHostName())
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
        ?? IPAddress.Loopback;

    private static string RedisConnectionString(IConfiguration config, string host)
    {
        // REDIS_USERNAME: a Redis ACL user, so the cluster need not run as the all-powerful default user.
        var options = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            User = Optional(config, "REDIS_USERNAME"),
            Password = Optional(config, "REDIS_PASSWORD"),
        };
        options.EndPoints.Add(host, Port(config, "REDIS_PORT", 6379));
        return options.ToString(includePassword: true);
    }

    // libpq's names (what operators know from psql and PGSSLMODE), mapped to Npgsql's SslMode values. Unset keeps
    // Npgsql's default, prefer: TLS when the server offers it, which a man in the middle can simply refuse.
    private static readonly Dictionary<string, string> PostgresSslModes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["disable"] = "Disable",
        ["allow"] = "Allow",
        ["prefer"] = "Prefer",
        ["require"] = "Require",
        ["verify-ca"] = "VerifyCA",
        ["verify-full"] = "VerifyFull",
    };

    private static string? PostgresSslMode(IConfiguration config) => Optional(config, "POSTGRES_SSLMODE") switch
    {
        null => null,
        var raw when PostgresSslModes.TryGetValue(raw, out var mode) => mode,
        var raw => throw new ConfigurationException(
            $"POSTGRES_SSLMODE must be one of {string.Join(", ", PostgresSslModes.Keys)}, not '{raw}'."),
    };

    private static string PostgresConnectionString(IConfiguration config, string host)
    {
        // Npgsql's keywords, quoted by the generic builder: the front ends carry no PostgreSQL driver.
        var builder = new DbConnectionStringBuilder
        {
            ["Host"] = host,
            ["Port"] = Port(config, "POSTGRES_PORT", 5432),
            ["Username"] = Required(config, "POSTGRES_USER", "POSTGRES_HOST is set"),
            ["Database"] = Required(config, "POSTGRES_DB", "POSTGRES_HOST is set"),
            // A pooled connection is otherwise reset with DISCARD ALL before its next use: a transaction of its own
            // for every grain write (1.1 of the 2.1 transactions of a PUT, bench S3). The silo leaves no session state
            // behind (no SET, temporary table, LISTEN or session-level lock; the schema's lock is transaction-scoped).
            ["No Reset On Close"] = "true",
            // The silo runs a handful of statements over and over (a grain-state write per user change, the read
            // model's upsert, session and reminder reads): Npgsql prepares each on a connection once it was used
            // 5 times there, so PostgreSQL stops parsing and planning it per call.
            ["Max Auto Prepare"] = "32",
        };
        if (Optional(config, "POSTGRES_PASSWORD") is { } password)
        {
            builder["Password"] = password;
        }

        if (PostgresSslMode(config) is { } sslMode)
        {
            builder["SSL Mode"] = sslMode;
        }

        if (Optional(config, "POSTGRES_SSLROOTCERT") is { } rootCertificate)
        {
            builder["Root Certificate"] = File.Exists(rootCertificate)
                ? rootCertificate
                : throw new ConfigurationException($"POSTGRES_SSLROOTCERT names '{rootCertificate}', which is not a readable file.");
        }

        return builder.ConnectionString;
    }
}
