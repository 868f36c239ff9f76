using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;

namespace Tests.Operations;

/// <summary>
/// The only silo dies uncleanly (SIGKILL) and a replacement starts at another address, as a container
/// rescheduled elsewhere would: in between the front end has no gateway at all.
/// </summary>
public sealed class SiloReplacementTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan ServesWithin = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, string?> _cluster = ExternalServices.ClusterSettings($"replace-{Guid.NewGuid():N}");
    private readonly List<NodeProcess> _nodes = [];
    private HttpClient _users = null!;

    public async Task InitializeAsync()
    {
        var silo = Start(NodeProcess.StartSilo("replaced-silo", _cluster.WithSiloPorts()));
        await silo.WaitUntilHealthy();
        var port = FreePort.Next();
        var users = Start(NodeProcess.StartApi("replaced-user-api", _cluster.With(("API_ROLE", "user"), ("USER_PORT", port.ToString())), port));
        await users.WaitUntilHealthy();
        _users = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(20) };
    }

    public async Task DisposeAsync()
    {
        _users.Dispose();
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task With_every_gateway_gone_the_front_end_answers_503_with_retry_after_and_a_replacement_serves_within_30_s()
    {
        Assert.Equal(HttpStatusCode.Created, (await Register()).StatusCode);
        _nodes[0].Kill();

        // No silo at all: every answer is the clean "try again shortly".
        var outage = new List<HttpResponseMessage>();
        for (var i = 0; i < 10; i++)
        {
            outage.Add(await Register());
        }

        Assert.All(outage, AssertUnavailable);

        var clock = Stopwatch.StartNew();
        Start(NodeProcess.StartSilo("replacement-silo", _cluster.WithSiloPorts()));
        var answers = new List<(TimeSpan At, HttpResponseMessage Response)>();
        while (clock.Elapsed < ServesWithin + TimeSpan.FromSeconds(30))
        {
            var response = await Register();
            answers.Add((clock.Elapsed, response));
            if (response.StatusCode == HttpStatusCode.Created)
            {
                break;
            }

            await Task.Delay(200);
        }

        var served = answers[^1];
        output.WriteLine($"replacement served after {served.At.TotalSeconds:F1} s; {answers.Count - 1} answers before: " +
            string.Join(", ", answers.SkipLast(1).GroupBy(a => (int)a.Response.StatusCode).Select(g => $"{g.Key} x{g.Count()}")));
        Assert.Equal(HttpStatusCode.Created, served.Response.StatusCode);
        Assert.True(served.At < ServesWithin, $"the replacement served only after {served.At.TotalSeconds:F1} s");
        Assert.All(answers.SkipLast(1).Select(a => a.Response), AssertUnavailable);
    }

    private static void AssertUnavailable(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "no Retry-After");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = response.Content.ReadFromJsonAsync<JsonElement>().GetAwaiter().GetResult();
        Assert.Equal("unavailable", problem.GetProperty("code").GetString());
    }

    private Task<HttpResponseMessage> Register() =>
        _users.PostAsJsonAsync("/user/create", new { name = "Replaced", email = $"replace-{Guid.NewGuid():N}@example.com", password = "replacement passphrase" });

    private NodeProcess Start(NodeProcess node)
    {
        _nodes.Add(node);
        return node;
    }
}
