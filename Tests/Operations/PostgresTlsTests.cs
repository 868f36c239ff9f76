using Hosting.Configuration;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Silo.Persistence;

namespace Tests.Operations;

/// <summary>
/// POSTGRES_SSLMODE and POSTGRES_SSLROOTCERT against a real PostgreSQL that has TLS on and refuses every TCP
/// connection without it (pg_hba.conf: hostssl only), started by scripts/services.sh with a certificate made here.
/// What is checked is the silo's own connection string doing what the silo does first: creating the schema.
/// </summary>
public sealed class PostgresTlsTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"pg-tls-{Guid.NewGuid():N}");
    private readonly int _port = FreePort.Next();
    private readonly string _password = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));
    private string _authorityPem = "";

    public async Task InitializeAsync()
    {
        using var authority = TestCertificates.Authority("postgres-test-ca");
        using var server = TestCertificates.Issue(authority, "localhost");
        _authorityPem = TestCertificates.WritePem(authority, _dir, "ca").Certificate;
        TestCertificates.WritePem(server, Path.Combine(_dir, "tls"), "server");
        await ServiceScripts.Run($"start_postgres '{_dir}' {_port} '{_password}' '{_dir}/tls' >/dev/null");
    }

    public async Task DisposeAsync()
    {
        await ServiceScripts.Run($"stop_postgres '{_dir}'");
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Require_connects_over_tls()
    {
        var connection = Connection(("POSTGRES_SSLMODE", "require"));
        await PostgresSchema.EnsureCreatedAsync(connection, CancellationToken.None);
        Assert.True(await ServedOverTls(connection));
    }

    [Fact]
    public async Task Verify_full_connects_when_the_server_chains_to_the_given_root()
    {
        var connection = Connection(("POSTGRES_SSLMODE", "verify-full"), ("POSTGRES_SSLROOTCERT", _authorityPem));
        await PostgresSchema.EnsureCreatedAsync(connection, CancellationToken.None);
        Assert.True(await ServedOverTls(connection));
    }

    [Fact]
    public async Task Disable_is_refused_by_a_server_that_requires_tls()
    {
        var connection = Connection(("POSTGRES_SSLMODE", "disable"));
        var refused = await Assert.ThrowsAsync<PostgresException>(() => PostgresSchema.EnsureCreatedAsync(connection, CancellationToken.None));
        Assert.Equal(PostgresErrorCodes.InvalidAuthorizationSpecification, refused.SqlState);
    }

    [Fact]
    public async Task Verify_ca_refuses_a_server_signed_by_another_authority()
    {
        using var other = TestCertificates.Authority("some-other-ca");
        var otherPem = TestCertificates.WritePem(other, Path.Combine(_dir, "other"), "ca").Certificate;
        var connection = Connection(("POSTGRES_SSLMODE", "verify-ca"), ("POSTGRES_SSLROOTCERT", otherPem));
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => PostgresSchema.EnsureCreatedAsync(connection, CancellationToken.None));
    }

    [Theory]
    [InlineData("required")]
    [InlineData("verify_full")]
    [InlineData("on")]
    public void A_bad_mode_fails_start_naming_the_variable(string mode)
    {
        var error = Assert.Throws<ConfigurationException>(() => Connection(("POSTGRES_SSLMODE", mode)));
        Assert.Contains("POSTGRES_SSLMODE", error.Message);
        Assert.Contains($"'{mode}'", error.Message);
    }

    private static async Task<bool> ServedOverTls(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", connection);
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    private string Connection(params (string Key, string Value)[] tls)
    {
        var settings = new Dictionary<string, string?>
        {
            ["POSTGRES_HOST"] = "127.0.0.1",
            ["POSTGRES_PORT"] = _port.ToString(),
            ["POSTGRES_USER"] = "postgres",
            ["POSTGRES_PASSWORD"] = _password,
            ["POSTGRES_DB"] = "postgres",
        };
        foreach (var (key, value) in tls)
        {
            settings[key] = value;
        }

        return DeploymentSettings.From(new ConfigurationBuilder().AddInMemoryCollection(settings).Build()).PostgresConnection!;
    }
}
