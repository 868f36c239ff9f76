using System.Globalization;
using System.Net;
using Grains.Interfaces.Users;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace Tests.Operations;

/// <summary>
/// Reads and writes held in flight on a silo (stopped with SIGSTOP, so what is sent to it stays unanswered) when it is
/// killed with SIGKILL: each must still be answered, a read with the user (from a survivor), a write with 200 or 503.
/// The grain-call timeout is left at its default and the HTTP client waits far longer, so a request the front end
/// leaves waiting on the dead silo shows as a wrong answer or none, not as a client-side cut.
/// </summary>
public sealed class InFlightAtSiloKillTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(30);
    private const int Users = 12;

    private readonly int _managementPort = FreePort.Next();
    private ProcessCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await ProcessCluster.Start("inflight", silos: 2, ClientTimeout, ("MANAGEMENT_PORT", _managementPort.ToString()));

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Reads_in_flight_at_a_silo_kill_are_answered_from_a_survivor_and_writes_with_200_or_503()
    {
        var grains = _cluster.Grains;
        var management = grains.GetGrain<IManagementGrain>(0);
        var hosts = await Poll.Until(() => management.GetHosts(onlyActive: true), h => h.Count == 2, seconds: 60, toleratingErrors: true);
        Assert.Equal(2, hosts.Count);

        // The users whose grain lives on the silo that will die. Placement weighs each silo's load (Orleans' default,
        // resource-optimized), so on a busy machine a whole round may land on the other silo: rounds go on until some
        // users live on the victim.
        var victim = _cluster.Silos[1];
        var victimAddress = hosts.Keys.Single(a => a.Endpoint.Port == victim.SiloPort);
        var onVictim = await Poll.Until(async () =>
        {
            var found = new List<(Guid Id, string Token)>();
            for (var i = 0; i < Users; i++)
            {
                var email = ApiCalls.UniqueEmail();
                var created = await _cluster.Users.Register(email);
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
                var login = await _cluster.Auth.Login(email, "correct horse battery");
                Assert.Equal(HttpStatusCode.OK, login.StatusCode);
                (Guid Id, string Token) account = ((await created.Json()).GetProperty("id").GetGuid(), (await login.Json()).GetProperty("accessToken").GetString()!);
                Assert.Equal(HttpStatusCode.OK, (await _cluster.Users.Send(HttpMethod.Get, $"/user/{account.Id}", token: account.Token)).StatusCode);
                if (await management.GetActivationAddress(grains.GetGrain<IUserGrain>(account.Id)) == victimAddress)
                {
                    found.Add(account);
                }
            }

            return found;
        }, found => found.Count > 0, seconds: 60);

        Assert.NotEmpty(onVictim);
        var activeBefore = await ActiveRequests();
        await victim.Pause();
        var reads = onVictim.Select(a => Answer(_cluster.Users.Send(HttpMethod.Get, $"/user/{a.Id}", token: a.Token))).ToList();
        var writes = onVictim.Select((a, i) => Answer(_cluster.Users.Send(HttpMethod.Put, $"/user/update/{a.Id}", new { name = $"Renamed {i}" }, token: a.Token))).ToList();
        // Every one of them has reached the front end's handlers, where the stopped silo holds it.
        var held = await Poll.Until(ActiveRequests, n => n >= activeBefore + reads.Count + writes.Count, seconds: 30);
        Assert.True(held >= activeBefore + reads.Count + writes.Count, $"only {held - activeBefore} requests in flight");
        victim.Kill();

        var readAnswers = await Task.WhenAll(reads);
        var writeAnswers = await Task.WhenAll(writes);
        output.WriteLine($"{onVictim.Count} users on the killed silo; reads: {string.Join(", ", readAnswers)}; writes: {string.Join(", ", writeAnswers)}");
        Assert.All(readAnswers, a => Assert.Equal("200", a));
        Assert.All(writeAnswers, a => Assert.Contains(a, new[] { "200", "503 with Retry-After" }));
    }

    // The status as a user sees it; no answer within the client's timeout is a failure of its own kind.
    private static async Task<string> Answer(Task<HttpResponseMessage> request)
    {
        try
        {
            using var response = await request;
            return response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter is not null
                ? "503 with Retry-After"
                : ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
        }
        catch (TaskCanceledException)
        {
            return "no answer";
        }
    }

    // The user front end's own count of requests it is handling (ASP.NET Core's http.server.active_requests).
    private async Task<int> ActiveRequests()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var metrics = await http.GetStringAsync($"http://127.0.0.1:{_managementPort}/metrics");
        return (int)metrics.Split('\n')
            .Where(l => l.StartsWith("http_server_active_requests", StringComparison.Ordinal))
            // name{labels} value [timestamp]
            .Sum(l => double.Parse(l[(l.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture));
    }
}
