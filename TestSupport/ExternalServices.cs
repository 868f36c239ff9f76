namespace TestSupport;

/// <summary>
/// The real PostgreSQL and Redis that ./test.sh starts for this run. Tests that need them fail
/// (never skip) when they are missing, with a message saying how to run them.
/// </summary>
public static class ExternalServices
{
    /// <summary>The JWT_SECRET every test cluster's front ends sign with; security tests forge tokens with it.</summary>
    public const string JwtSecret = "test-secret-that-is-long-enough-for-hs256-0123456789";

    /// <summary>The service that may call /auth/introspect in every test cluster (INTROSPECTION_CLIENTS).</summary>
    public const string IntrospectionClientId = "billing-service";
    public const string IntrospectionClientSecret = "billing-secret-0123456789";

    public static string RedisHost => Required("TEST_REDIS_HOST");
    public static string RedisPort => Required("TEST_REDIS_PORT");
    public static string PostgresHost => Required("TEST_POSTGRES_HOST");
    public static string PostgresPort => Required("TEST_POSTGRES_PORT");
    public static string PostgresUser => Required("TEST_POSTGRES_USER");
    public static string PostgresPassword => Required("TEST_POSTGRES_PASSWORD");
    public static string PostgresDatabase => Required("TEST_POSTGRES_DB");

    /// <summary>The variables of docs/contract.md, Configuration that point a silo or front end at these services.</summary>
    public static Dictionary<string, string?> ClusterSettings(string clusterId) => new()
    {
        ["CLUSTER_ID"] = clusterId,
        // Each test cluster is its own service, so one's users (and admin list) never show in another's.
        ["SERVICE_ID"] = clusterId,
        ["REDIS_HOST"] = RedisHost,
        ["REDIS_PORT"] = RedisPort,
        ["POSTGRES_HOST"] = PostgresHost,
        ["POSTGRES_PORT"] = PostgresPort,
        ["POSTGRES_USER"] = PostgresUser,
        ["POSTGRES_PASSWORD"] = PostgresPassword,
        ["POSTGRES_DB"] = PostgresDatabase,
        ["ADVERTISED_IP"] = "127.0.0.1",
        ["JWT_SECRET"] = JwtSecret,
        ["INTROSPECTION_CLIENTS"] = $"{IntrospectionClientId}:{IntrospectionClientSecret}",
        // The per-client limit is tested on its own; here every test runs from 127.0.0.1.
        ["CLIENT_RATE_LIMIT"] = "1000000",
    };

    /// <summary>A connection to the same PostgreSQL, for tests that read what the silos stored.</summary>
    public static string PostgresConnectionString =>
        $"Host={PostgresHost};Port={PostgresPort};Username={PostgresUser};Password={PostgresPassword};Database={PostgresDatabase}";

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{name} is not set: these tests need the real PostgreSQL and Redis that ./test.sh starts. Run ./test.sh.");
}
