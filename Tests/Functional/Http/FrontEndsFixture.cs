using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Tests.Infrastructure;
using TestSupport.OpenApi;

namespace Tests.Http;

/// <summary>
/// The production topology in one process: a silo on real PostgreSQL and Redis, and the two front
/// ends as separate cluster clients (auth on one port, users on another), with a bootstrap admin.
/// </summary>
public sealed class FrontEndsFixture : IAsyncLifetime
{
    public const string AdminEmail = "admin@example.com";
    public const string AdminPassword = "admin-password-for-tests";

    private readonly List<WebApplication> _hosts = [];
    private Dictionary<string, string?> _cluster = [];

    /// <summary>The SERVICE_ID of this cluster: its rows in PostgreSQL carry it.</summary>
    public string ServiceId => _cluster["SERVICE_ID"]!;

    /// <summary>The CLUSTER_ID: the front ends' change channel is named after it.</summary>
    public string ClusterId => _cluster["CLUSTER_ID"]!;

    public HttpClient Auth { get; private set; } = null!;
    public HttpClient Users { get; private set; } = null!;

    /// <summary>
    /// How many front ends this fixture runs: every host but the silo, so the auth and the user one and the extra auth
    /// front ends tests started and the fixture stops. All of them read the cluster's announcements.
    /// </summary>
    public int FrontEndCount => _hosts.Count - 1;

    /// <summary>Everything the silo and both front ends logged, for the tests that look for leaked secrets.</summary>
    public LogCapture Logs { get; } = new();

    public async Task InitializeAsync()
    {
        _cluster = ExternalServices.ClusterSettings($"http-{Guid.NewGuid():N}");
        _hosts.Add(await Hosts.StartSilo(_cluster.WithSiloPorts(), Logs));

        var (authPort, userPort) = (FreePort.Next(), FreePort.Next());
        _hosts.Add(await Hosts.StartApi(_cluster.With(("API_ROLE", "auth"), ("AUTH_PORT", authPort.ToString())), Logs));
        _hosts.Add(await Hosts.StartApi(
            _cluster.With(
                ("API_ROLE", "user"),
                ("USER_PORT", userPort.ToString()),
                ("ADMIN_EMAIL", AdminEmail),
                ("ADMIN_PASSWORD", AdminPassword)),
            Logs));

        Auth = ContractCheckingHandler.Client(authPort);
        Users = ContractCheckingHandler.Client(userPort);
        await WaitForAdmin();
    }

    /// <summary>One more Auth API front end of this cluster, with settings of its own; stopped with the fixture.</summary>
    public async Task<HttpClient> StartAuthFrontEnd(params (string Key, string? Value)[] settings)
    {
        var port = FreePort.Next();
        _hosts.Add(await Hosts.StartApi(_cluster.With(("API_ROLE", "auth"), ("AUTH_PORT", port.ToString())).With(settings), Logs));
        return ContractCheckingHandler.Client(port);
    }

    /// <summary>One more user front end in this cluster, with extra settings and its own log; the caller stops it.</summary>
    public Task<WebApplication> StartUserFrontEnd(LogCapture logs, params (string Key, string? Value)[] settings) =>
        Hosts.StartApi(_cluster.With([("API_ROLE", "user"), ("USER_PORT", FreePort.Next().ToString()), .. settings]), logs);

    /// <summary>One more auth front end in this cluster, with extra settings and its own log; the caller stops it.</summary>
    public Task<WebApplication> StartAuthFrontEnd(LogCapture logs, params (string Key, string? Value)[] settings) =>
        Hosts.StartApi(_cluster.With([("API_ROLE", "auth"), ("AUTH_PORT", FreePort.Next().ToString()), .. settings]), logs);

    /// <summary>A plain cluster client beside the front ends, to look at what they stored and published; the caller stops it.</summary>
    public Task<IHost> StartClusterClient() => Hosts.StartClient(_cluster);

    public async Task DisposeAsync()
    {
        Auth.Dispose();
        Users.Dispose();
        foreach (var host in Enumerable.Reverse(_hosts))
        {
            await host.StopAsync();
            await host.DisposeAsync();
        }
    }

    private async Task WaitForAdmin()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var response = await Auth.Login(AdminEmail, AdminPassword);
            if (response.IsSuccessStatusCode || DateTime.UtcNow > deadline)
            {
                return;
            }

            await Task.Delay(200);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class FrontEnds : ICollectionFixture<FrontEndsFixture>
{
    public const string Name = "front ends";
}
