using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace Tests.Operations;

/// <summary>
/// Three silos and both front ends as separate processes on real PostgreSQL and Redis; one silo is
/// killed with SIGKILL under a continuous load of registrations, logins and updates.
/// </summary>
public sealed class FailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    // Far above the front ends' own bound on a grain call (ClientMessagingOptions.ResponseTimeout, 10 s): a request the
    // service leaves hanging shows as no answer rather than being cut off by this client first.
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(30);

    private ProcessCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ProcessCluster.Start("failover", silos: 3, ClientTimeout);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Killing_a_silo_under_load_loses_no_acknowledged_write_and_a_new_silo_takes_over()
    {
        var management = _cluster.Grains.GetGrain<IManagementGrain>(0);
        Assert.Equal(3, (await Poll.Until(() => management.GetHosts(onlyActive: true), h => h.Count == 3, seconds: 45, toleratingErrors: true)).Count);

        var load = new Load(_cluster.Auth, _cluster.Users);
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 4).Select(w => load.Run(w, stop.Token)).ToList();
        // Conditions, not durations: on a loaded machine a second can hold one request or twenty.
        const int Acknowledged = 20;
        await Poll.Until(() => Task.FromResult(load.Acknowledged.Count), n => n >= Acknowledged, seconds: 180);
        // Enough sessions revoked before the kill that some were hosted by the killed silo (each is, a third of the time).
        const int LoggedOutBeforeKill = 15;
        await Poll.Until(() => Task.FromResult(load.LoggedOut.Count), n => n >= LoggedOutBeforeKill, seconds: 180);
        var killedAt = load.Clock.Elapsed;
        _cluster.Silos[1].Kill();
        await Poll.Until(() => Task.FromResult(load.Acknowledged.Count(at => at > killedAt)), n => n >= Acknowledged, seconds: 180);
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        var hosts = await Poll.Until(() => management.GetHosts(onlyActive: true), h => h.Count == 2, seconds: 45, toleratingErrors: true);
        var errors = load.Errors.OrderBy(e => e.At).ToList();
        output.WriteLine($"requests: {load.Requests}, failed: {errors.Count}, silo killed at {killedAt.TotalSeconds:F1} s");
        if (errors.Count > 0)
        {
            output.WriteLine($"errors from {errors[0].At.TotalSeconds:F1} s to {errors[^1].At.TotalSeconds:F1} s " +
                $"(window {(errors[^1].At - errors[0].At).TotalSeconds:F1} s): " +
                string.Join(", ", errors.GroupBy(e => e.What).Select(g => $"{g.Key} x{g.Count()}")));
        }

        Assert.Equal(2, hosts.Count);
        Assert.True(load.Acknowledged.Count(at => at < killedAt) >= Acknowledged, "the load did not run before the kill");
        Assert.True(load.Acknowledged.Count(at => at > killedAt) >= Acknowledged, "the load did not carry on after the kill");
        Assert.All(errors, e => Assert.True(e.At >= killedAt, $"an error before the kill: {e.What}"));
        // What a user notices: every request got an answer, and a request that failed was told to retry (503), never
        // a 500 or a dropped connection; acknowledged writes all survive (below).
        Assert.All(errors, e => Assert.EndsWith(" 503", e.What));
        await AssertEveryAcknowledgedWriteIsDurable(load);
        await AssertEveryAcknowledgedLogoutStaysRevoked(load);

        // A new silo joins and takes a real share of new users: placement spreads them over the three silos, so
        // the newcomer, which held none before, should hold about a third; at least a third of that is asked for.
        var newcomer = _cluster.StartSilo("silo-3");
        await newcomer.WaitUntilHealthy();
        var grown = await Poll.Until(() => management.GetHosts(onlyActive: true), h => h.Count == 3, seconds: 45, toleratingErrors: true);
        var newAddress = grown.Keys.Except(hosts.Keys).Single();
        Assert.Equal(0, await UserActivations(management, newAddress));
        const int LateUsers = 45;
        for (var i = 0; i < LateUsers; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await Register(_cluster.Users, $"late-{Guid.NewGuid():N}@example.com")).StatusCode);
        }

        var share = await UserActivations(management, newAddress);
        output.WriteLine($"the new silo holds {share} of the {LateUsers} users registered after it joined");
        Assert.InRange(share, LateUsers / 9, LateUsers);
    }

    [Fact]
    public async Task A_rolling_restart_of_every_silo_under_load_loses_no_acknowledged_write_and_never_answers_500()
    {
        var management = _cluster.Grains.GetGrain<IManagementGrain>(0);
        Assert.Equal(3, (await Poll.Until(() => management.GetHosts(onlyActive: true), h => h.Count == 3, seconds: 45, toleratingErrors: true)).Count);

        var load = new Load(_cluster.Auth, _cluster.Users);
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 4).Select(w => load.Run(w, stop.Token)).ToList();
        foreach (var (silo, i) in _cluster.Silos.ToList().Select((s, i) => (s, i)))
        {
            // As `docker compose up` replaces a container: SIGTERM, wait for it to leave, start the new one.
            await silo.Stop();
            await _cluster.StartSilo($"silo-{i}-restarted").WaitUntilHealthy();
        }

        // The load carries on against the renewed cluster before it stops.
        var restartedAt = load.Clock.Elapsed;
        await Poll.Until(() => Task.FromResult(load.Acknowledged.Count(at => at > restartedAt)), n => n >= 20, seconds: 180);
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        output.WriteLine($"requests: {load.Requests}, failed: {load.Errors.Count}: " +
            string.Join(", ", load.Errors.GroupBy(e => e.What).Select(g => $"{g.Key} x{g.Count()}")));
        Assert.True(load.Acknowledged.Count(at => at > restartedAt) >= 20, "the load did not carry on after the restarts");
        Assert.DoesNotContain(load.Errors, e => e.What.EndsWith(" 500", StringComparison.Ordinal));
        await AssertEveryAcknowledgedWriteIsDurable(load);
    }

    private static async Task<int> UserActivations(IManagementGrain management, SiloAddress silo) =>
        (await management.GetSimpleGrainStatistics([silo]))
            .Where(s => s.GrainType.Contains("UserGrain", StringComparison.Ordinal))
            .Sum(s => s.ActivationCount);

    private async Task AssertEveryAcknowledgedWriteIsDurable(Load load)
    {
        output.WriteLine($"checking {load.Users.Count} acknowledged registrations");
        foreach (var user in load.Users.Values)
        {
            var login = await _cluster.Auth.PostAsJsonAsync("/auth/login", new { email = user.Email, password = Load.Password });
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
            var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
            using var request = new HttpRequestMessage(HttpMethod.Get, "/auth/me") { Headers = { Authorization = new("Bearer", token) } };
            var me = await (await _cluster.Auth.SendAsync(request)).Content.ReadFromJsonAsync<JsonElement>();
            var name = me.GetProperty("name").GetString()!;

            // The name is the last acknowledged one, or a later attempt whose answer was lost in the failure.
            var acknowledged = user.AcknowledgedName;
            var allowed = user.AttemptedNames.SkipWhile(n => acknowledged is not null && n != acknowledged).ToList();
            Assert.Contains(name, acknowledged is null ? [.. user.AttemptedNames, "Load"] : allowed);
        }
    }

    /// <summary>
    /// A logout is acknowledged only once its revocation is stored: the sessions hosted by the killed silo are read
    /// back by a survivor, and none comes back to life. A refresh always reaches the session itself, past any cache.
    /// </summary>
    private async Task AssertEveryAcknowledgedLogoutStaysRevoked(Load load)
    {
        output.WriteLine($"checking {load.LoggedOut.Count} acknowledged logouts");
        foreach (var refreshToken in load.LoggedOut)
        {
            var refresh = await _cluster.Auth.PostAsJsonAsync("/auth/refresh", new { refreshToken });
            Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);
        }
    }

    private static Task<HttpResponseMessage> Register(HttpClient users, string email) =>
        users.PostAsJsonAsync("/user/create", new { name = "Load", email, password = Load.Password });

    /// <summary>Registration, login and renames in a loop, remembering what the service acknowledged.</summary>
    private sealed class Load(HttpClient auth, HttpClient users)
    {
        public const string Password = "load test passphrase";

        private int _requests;

        public Stopwatch Clock { get; } = Stopwatch.StartNew();
        public ConcurrentDictionary<Guid, LoadUser> Users { get; } = new();
        public ConcurrentBag<(TimeSpan At, string What)> Errors { get; } = [];
        public ConcurrentBag<TimeSpan> Acknowledged { get; } = [];

        /// <summary>The refresh tokens of sessions whose logout was acknowledged.</summary>
        public ConcurrentBag<string> LoggedOut { get; } = [];
        public int Requests => _requests;

        public async Task Run(int worker, CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                var email = $"load-{worker}-{Guid.NewGuid():N}@example.com";
                var created = await Call("create", () => Register(users, email));
                if (created is null)
                {
                    continue;
                }

                var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
                var user = Users[id] = new LoadUser(email);
                var login = await Call("login", () => auth.PostAsJsonAsync("/auth/login", new { email, password = Password }));
                if (login is null)
                {
                    continue;
                }

                var tokens = await login.Content.ReadFromJsonAsync<JsonElement>();
                var token = tokens.GetProperty("accessToken").GetString();
                for (var rename = 0; rename < 3 && !stop.IsCancellationRequested; rename++)
                {
                    var name = $"Renamed {rename}";
                    user.AttemptedNames.Add(name);
                    var updated = await Call("update", () =>
                    {
                        var request = new HttpRequestMessage(HttpMethod.Put, $"/user/update/{id}")
                        {
                            Content = JsonContent.Create(new { name }),
                            Headers = { Authorization = new("Bearer", token) },
                        };
                        return users.SendAsync(request);
                    });
                    if (updated is not null)
                    {
                        user.AcknowledgedName = name;
                    }
                }

                var loggedOut = await Call("logout", () =>
                    auth.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/auth/logout") { Headers = { Authorization = new("Bearer", token) } }));
                if (loggedOut is not null)
                {
                    LoggedOut.Add(tokens.GetProperty("refreshToken").GetString()!);
                }
            }
        }

        private async Task<HttpResponseMessage?> Call(string what, Func<Task<HttpResponseMessage>> send)
        {
            Interlocked.Increment(ref _requests);
            try
            {
                var response = await send();
                if (response.IsSuccessStatusCode)
                {
                    Acknowledged.Add(Clock.Elapsed);
                    return response;
                }

                var unexplained = response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter is null;
                Errors.Add((Clock.Elapsed, $"{what} {(int)response.StatusCode}{(unexplained ? " without Retry-After" : "")}"));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                Errors.Add((Clock.Elapsed, $"{what} {e.GetType().Name}"));
            }

            return null;
        }
    }

    private sealed class LoadUser(string email)
    {
        public string Email { get; } = email;
        public List<string> AttemptedNames { get; } = [];
        public string? AcknowledgedName { get; set; }
    }
}
