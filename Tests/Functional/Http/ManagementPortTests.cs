using System.Net;
using Tests.Infrastructure;
using TestSupport.OpenApi;

namespace Tests.Http;

/// <summary>A clustered front end's metrics: on its management port, never on its API port.</summary>
[Collection(FrontEnds.Name)]
public sealed class ManagementPortTests(FrontEndsFixture api)
{
    [Fact]
    public async Task Metrics_are_served_on_the_management_port_only_and_api_routes_not_there()
    {
        var (userPort, managementPort) = (FreePort.Next(), FreePort.Next());
        var frontEnd = await api.StartUserFrontEnd(new LogCapture(), ("USER_PORT", userPort.ToString()), ("MANAGEMENT_PORT", managementPort.ToString()));
        try
        {
            using var users = ContractCheckingHandler.Client(userPort);
            using var management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{managementPort}") };

            var metrics = await management.GetStringAsync("/metrics");
            Assert.Contains("# TYPE", metrics);
            // The runtime's GC counters, which bench/ reads to say whether collections bound a number.
            Assert.Contains("dotnet_gc_pause_time_seconds_total", metrics);
            Assert.Contains("dotnet_gc_heap_total_allocated_bytes_total", metrics);
            Assert.Equal(HttpStatusCode.NotFound, (await users.GetAsync("/metrics")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await management.Register(ApiCalls.UniqueEmail())).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await users.Register(ApiCalls.UniqueEmail())).StatusCode);
        }
        finally
        {
            await frontEnd.StopAsync();
            await frontEnd.DisposeAsync();
        }
    }
}
