using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Builder;
using Tests.Infrastructure;
using TestSupport.OpenApi;

namespace Tests.Http;

/// <summary>
/// The no-configuration mode of `dotnet run --project EmbeddedHost`: one process, an embedded in-memory silo,
/// both APIs on their own ports and the silo endpoint beside them.
/// </summary>
public sealed class EmbeddedModeTests : IAsyncLifetime
{
    private readonly int _authPort = FreePort.Next();
    private readonly int _userPort = FreePort.Next();
    private readonly int _siloPort = FreePort.Next();
    private WebApplication _app = null!;
    private HttpClient _auth = null!;
    private HttpClient _users = null!;
    private HttpClient _silo = null!;

    public async Task InitializeAsync()
    {
        _app = await Hosts.StartEmbedded(new Dictionary<string, string?>
        {
            ["AUTH_PORT"] = _authPort.ToString(),
            ["USER_PORT"] = _userPort.ToString(),
            ["SILO_HTTP_PORT"] = _siloPort.ToString(),
            ["SILO_PORT"] = FreePort.Next().ToString(),
            ["GATEWAY_PORT"] = FreePort.Next().ToString(),
            ["CLIENT_RATE_LIMIT"] = "3",
        });
        _auth = ContractCheckingHandler.Client(_authPort);
        _users = ContractCheckingHandler.Client(_userPort);
        _silo = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_siloPort}") };
    }

    public async Task DisposeAsync()
    {
        _auth.Dispose();
        _users.Dispose();
        _silo.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task One_process_serves_both_apis_on_their_ports_and_limits_each_client()
    {
        var email = ApiCalls.UniqueEmail();

        Assert.Equal(HttpStatusCode.Created, (await _users.Register(email)).StatusCode);
        var login = await _auth.Login(email, "correct horse battery");
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var token = (await login.Json()).GetProperty("accessToken").GetString();
        Assert.Equal(HttpStatusCode.OK, (await _auth.Send(HttpMethod.Get, "/auth/me", token: token)).StatusCode);

        // Routes answer only on their own port (each port's document names only its own).
        using (DeliberatelyInvalid.Requests())
        {
            await (await _users.Login(email, "correct horse battery")).AssertProblem(HttpStatusCode.NotFound);
            await (await _auth.Register(ApiCalls.UniqueEmail())).AssertProblem(HttpStatusCode.NotFound);
        }

        // CLIENT_RATE_LIMIT=3: a registration and two wrong guesses count (successful logins and 404s do not), then the limit.
        Assert.Equal(HttpStatusCode.Unauthorized, (await _auth.Login(email, "wrong password")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _auth.Login(email, "correct horse battery")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _auth.Login(email, "wrong password")).StatusCode);
        var limited = await _auth.Login(email, "correct horse battery");
        await limited.AssertProblem(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.NotNull(limited.Headers.RetryAfter);
    }

    [Fact]
    public async Task The_dashboard_and_metrics_are_never_on_the_api_ports_and_routes_follow_the_port_not_the_host_header()
    {
        foreach (var api in new[] { _auth, _users })
        {
            // A probe of what the API ports do not serve: off the documents on purpose.
            Assert.Equal(HttpStatusCode.NotFound, (await api.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/dashboard/").MarkInvalid())).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/metrics")).StatusCode);
        }

        // A Host header naming the user port does not take a registration to the user routes through the auth port.
        var email = ApiCalls.UniqueEmail();
        var smuggled = new HttpRequestMessage(HttpMethod.Post, "/user/create")
        {
            Content = JsonContent.Create(new { name = "Ada", email, password = "correct horse battery" }),
        };
        smuggled.Headers.Host = $"127.0.0.1:{_userPort}";
        await (await _auth.SendAsync(smuggled.MarkInvalid())).AssertProblem(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.Created, (await _users.Register(email)).StatusCode);
    }

    [Fact]
    public void The_silo_endpoint_with_the_dashboard_listens_on_loopback_only()
    {
        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;

        var silo = addresses.Select(a => new Uri(a)).Where(a => a.Port == _siloPort).ToList();
        Assert.NotEmpty(silo);
        Assert.All(silo, a => Assert.True(a.IsLoopback, $"the silo endpoint listens on {a}"));
        Assert.Contains(addresses, a => new Uri(a).Port == _authPort && !new Uri(a).IsLoopback);
    }

    [Fact]
    public async Task The_silo_endpoint_serves_health_metrics_and_the_dashboard()
    {
        Assert.Equal(HttpStatusCode.OK, (await _silo.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _silo.GetAsync("/health/ready")).StatusCode);
        var dashboard = await _silo.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Contains("<html", await dashboard.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("# TYPE", await _silo.GetStringAsync("/metrics"));
    }
}
