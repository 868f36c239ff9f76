using Microsoft.AspNetCore.Builder;
using Tests.Http;
using Tests.Infrastructure;
using TestSupport.OpenApi;

namespace Tests.Account;

/// <summary>
/// The production topology with real mail: a silo on real PostgreSQL and Redis, the two front ends as
/// cluster clients sending through a real SMTP server on loopback, and a third, strict Auth front end
/// with REQUIRE_VERIFIED_EMAIL on. Tests can start more front ends of the same cluster.
/// </summary>
public sealed class AccountFixture : IAsyncLifetime
{
    public const string PublicBaseUrl = "https://accounts.example.test";

    private readonly List<WebApplication> _hosts = [];
    private readonly List<HttpClient> _clients = [];
    private Dictionary<string, string?> _cluster = [];

    public MailCatcher Mail { get; private set; } = null!;
    public HttpClient Auth { get; private set; } = null!;
    public HttpClient Users { get; private set; } = null!;

    /// <summary>An Auth front end that refuses login until the address is verified.</summary>
    public HttpClient StrictAuth { get; private set; } = null!;

    public LogCapture Logs { get; } = new();

    public async Task InitializeAsync()
    {
        Mail = await MailCatcher.Start();
        _cluster = ExternalServices.ClusterSettings($"account-{Guid.NewGuid():N}").With(
            ("SMTP_HOST", "127.0.0.1"),
            ("SMTP_PORT", Mail.Port.ToString()),
            ("SMTP_FROM", "Accounts <accounts@example.test>"),
            ("PUBLIC_BASE_URL", PublicBaseUrl),
            // The per-client mail limit is tested on a front end of its own; here every test runs from 127.0.0.1.
            ("MAIL_REQUEST_RATE_LIMIT", "1000000"));
        _hosts.Add(await Hosts.StartSilo(_cluster.WithSiloPorts(), Logs));
        Auth = await StartAuthApi();
        StrictAuth = await StartAuthApi(("REQUIRE_VERIFIED_EMAIL", "true"));

        var userPort = FreePort.Next();
        _hosts.Add(await Hosts.StartApi(
            _cluster.With(
                ("API_ROLE", "user"),
                ("USER_PORT", userPort.ToString()),
                ("ADMIN_EMAIL", FrontEndsFixture.AdminEmail),
                ("ADMIN_PASSWORD", FrontEndsFixture.AdminPassword)),
            Logs));
        Users = Client(userPort);
        await Poll.Until(() => Auth.Login(FrontEndsFixture.AdminEmail, FrontEndsFixture.AdminPassword), r => r.IsSuccessStatusCode, seconds: 30);
    }

    /// <summary>Another Auth front end of this cluster, with settings of its own; stopped with the fixture.</summary>
    public async Task<HttpClient> StartAuthApi(params (string Key, string? Value)[] settings)
    {
        var port = FreePort.Next();
        _hosts.Add(await Hosts.StartApi(_cluster.With(("API_ROLE", "auth"), ("AUTH_PORT", port.ToString())).With(settings), Logs));
        return Client(port);
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        foreach (var host in Enumerable.Reverse(_hosts))
        {
            await host.StopAsync();
            await host.DisposeAsync();
        }

        await Mail.DisposeAsync();
    }

    private HttpClient Client(int port)
    {
        var client = ContractCheckingHandler.Client(port);
        _clients.Add(client);
        return client;
    }
}

[CollectionDefinition(Name)]
public sealed class AccountLifecycle : ICollectionFixture<AccountFixture>
{
    public const string Name = "account lifecycle";
}
