using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Xunit.Abstractions;

namespace Tests.Operations;

/// <summary>Restarting a backing store must not disturb other tests, so these run alone, after the rest.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StoreOutages
{
    public const string Name = "store outages";
}

/// <summary>
/// PostgreSQL and then Redis go down under load: while a store is down the front ends answer only
/// clean 503 problems, and afterwards everything works again without restarting any service.
/// </summary>
[Collection(StoreOutages.Name)]
public sealed class OutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly Dictionary<string, string?> _cluster = ExternalServices.ClusterSettings($"outage-{Guid.NewGuid():N}");
    private readonly List<WebApplication> _hosts = [];
    private HttpClient _auth = null!;
    private HttpClient _users = null!;

    public async Task InitializeAsync()
    {
        _hosts.Add(await Hosts.StartSilo(_cluster.WithSiloPorts()));
        var (authPort, userPort) = (FreePort.Next(), FreePort.Next());
        _hosts.Add(await Hosts.StartApi(_cluster.With(("API_ROLE", "auth"), ("AUTH_PORT", authPort.ToString()))));
        _hosts.Add(await Hosts.StartApi(_cluster.With(("API_ROLE", "user"), ("USER_PORT", userPort.ToString()))));
        _auth = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{authPort}"), Timeout = TimeSpan.FromSeconds(20) };
        _users = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{userPort}"), Timeout = TimeSpan.FromSeconds(20) };
    }

    public async Task DisposeAsync()
    {
        _auth.Dispose();
        _users.Dispose();
        foreach (var host in Enumerable.Reverse(_hosts))
        {
            await host.StopAsync();
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Store_outages_under_load_give_only_clean_503s_and_the_service_recovers_by_itself()
    {
        var answers = new ConcurrentQueue<(string Phase, string Answer)>();
        var phase = "before";
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 3).Select(_ => Loop(answer => answers.Enqueue((Volatile.Read(ref phase), answer)), stop.Token)).ToList();

        // Each store stays down until a request has met the outage, so the test cannot pass on an outage nobody saw.
        await SeenIn("before", a => a.StartsWith('2'));
        await ServiceScripts.Run("stop_postgres \"$TEST_SERVICES_DIR\"");
        Volatile.Write(ref phase, "PostgreSQL down");
        var postgresOutageSeen = await SeenIn("PostgreSQL down", a => a == "503 problem");
        await ServiceScripts.Run("resume_postgres \"$TEST_SERVICES_DIR\"");
        Volatile.Write(ref phase, "PostgreSQL back");
        await SeenIn("PostgreSQL back", a => a.StartsWith('2'));
        await ServiceScripts.Run("stop_redis \"$TEST_SERVICES_DIR\"");
        Volatile.Write(ref phase, "Redis down");
        var redisOutageSeen = await SeenIn("Redis down", a => a == "503 problem");
        await ServiceScripts.Run("start_redis \"$TEST_SERVICES_DIR\" \"$TEST_REDIS_PORT\" >/dev/null");
        Volatile.Write(ref phase, "Redis back");
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        foreach (var group in answers.GroupBy(a => a.Phase))
        {
            output.WriteLine($"{group.Key}: {string.Join(", ", group.GroupBy(a => a.Answer).OrderBy(g => g.Key).Select(g => $"{g.Key} x{g.Count()}"))}");
        }

        Assert.True(postgresOutageSeen, "no request met the PostgreSQL outage with a 503");
        Assert.True(redisOutageSeen, "no request met the Redis outage with a 503");
        Assert.All(answers, a => Assert.True(a.Answer.StartsWith('2') || a.Answer == "503 problem", $"unexpected answer while {a.Phase}: {a.Answer}"));

        // Recovery without a restart: a whole flow succeeds again (allowing the first seconds to reconnect).
        var recovered = await Poll.Until(async () => (await Flow()).All(a => a.StartsWith('2')), ok => ok, seconds: 60);
        Assert.True(recovered, "the service did not recover after the stores came back");
        Assert.All(await Flow(), a => Assert.StartsWith("2", a));

        // Generous: on a loaded machine a flow through a failing store can take many seconds.
        Task<bool> SeenIn(string when, Func<string, bool> answer) =>
            Poll.Until(() => Task.FromResult(answers.Any(a => a.Phase == when && answer(a.Answer))), seen => seen, seconds: 90);
    }

    [Fact]
    public async Task A_grain_that_cannot_read_its_state_while_PostgreSQL_is_down_answers_503()
    {
        // A new user's grain reads its (empty) state when it activates; with PostgreSQL down that read fails
        // and Orleans rejects the call with the driver's exception, which must still become a clean 503.
        await ServiceScripts.Run("stop_postgres \"$TEST_SERVICES_DIR\"");
        HttpResponseMessage during;
        try
        {
            during = await _users.Register(ApiCalls.UniqueEmail());
        }
        finally
        {
            await ServiceScripts.Run("resume_postgres \"$TEST_SERVICES_DIR\"");
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
        Assert.Equal("application/problem+json", during.Content.Headers.ContentType?.MediaType);
        Assert.True(during.Headers.RetryAfter is not null, "a 503 says when to retry");
        Assert.Equal("unavailable", (await during.Json()).GetProperty("code").GetString());

        var after = await Poll.Until(() => _users.Register(ApiCalls.UniqueEmail()), r => r.StatusCode == HttpStatusCode.Created, seconds: 30);
        Assert.Equal(HttpStatusCode.Created, after.StatusCode);
    }

    private async Task Loop(Action<string> record, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            foreach (var answer in await Flow())
            {
                record(answer);
            }
        }
    }

    /// <summary>Register, log in, read and rename: the answers, as "201", "503 problem", or an exception's name.</summary>
    private async Task<List<string>> Flow()
    {
        var answers = new List<string>();
        var email = ApiCalls.UniqueEmail();
        var created = await Answer(() => _users.Register(email), answers);
        if (created is null)
        {
            return answers;
        }

        var id = (await created.Json()).GetProperty("id").GetGuid();
        var login = await Answer(() => _auth.Login(email, "correct horse battery"), answers);
        if (login is null)
        {
            return answers;
        }

        var token = (await login.Json()).GetProperty("accessToken").GetString();
        await Answer(() => _auth.Send(HttpMethod.Get, "/auth/me", token: token), answers);
        await Answer(() => _users.Send(HttpMethod.Put, $"/user/update/{id}", new { name = "Renamed" }, token), answers);
        return answers;
    }

    private static async Task<HttpResponseMessage?> Answer(Func<Task<HttpResponseMessage>> call, List<string> answers)
    {
        try
        {
            var response = await call();
            var problem = response.Content.Headers.ContentType?.MediaType == "application/problem+json" ? " problem" : "";
            answers.Add($"{(int)response.StatusCode}{problem}");
            return response.IsSuccessStatusCode ? response : null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            answers.Add(e.GetType().Name);
            return null;
        }
    }
}
