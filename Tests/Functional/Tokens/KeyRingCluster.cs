using System.Net;
using Api.Tokens;
using Grains.Interfaces.Tokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Tests.Http;
using Tests.Infrastructure;
using TestSupport.OpenApi;

namespace Tests.Tokens;

/// <summary>
/// A cluster signing with RS256 or ES256: a silo on real PostgreSQL and Redis, two Auth API front
/// ends (so "every front end signs with the same key" can be checked) and a User API front end, all
/// reading token time from one clock the tests move.
/// </summary>
public abstract class KeyRingCluster : IAsyncLifetime
{
    /// <summary>The JWT_KEY_ENCRYPTION_KEY of the cluster, so tests can open the stored keys as an insider would.</summary>
    public static readonly byte[] EncryptionKey = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    public static readonly TimeSpan Rotation = TimeSpan.FromDays(30);
    public static readonly TimeSpan PublishAhead = TimeSpan.FromDays(1);
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(15);

    private readonly List<WebApplication> _apps = [];
    private readonly List<HttpClient> _clients = [];
    private Dictionary<string, string?> _cluster = [];
    private IHost? _client;

    public abstract string Algorithm { get; }

    /// <summary>Where token time starts; the tests only move it forward.</summary>
    protected virtual DateTimeOffset ClockStart => DateTimeOffset.UtcNow;

    public FakeTimeProvider Clock { get; private set; } = null!;
    public HttpClient AuthA { get; private set; } = null!;
    public HttpClient AuthB { get; private set; } = null!;

    /// <summary>The second Auth API front end's services, to read its own counters.</summary>
    public IServiceProvider AuthBServices { get; private set; } = null!;
    public HttpClient Users { get; private set; } = null!;

    public string Issuer => _cluster["JWT_ISSUER"]!;

    public async Task InitializeAsync()
    {
        Clock = new FakeTimeProvider(ClockStart);
        var authA = FreePort.Next();
        _cluster = ExternalServices.ClusterSettings($"{Algorithm.ToLowerInvariant()}-{Guid.NewGuid():N}").With(
            ("JWT_ALGORITHM", Algorithm),
            ("JWT_KEY_ENCRYPTION_KEY", Convert.ToBase64String(EncryptionKey)),
            ("JWT_KEY_ROTATION", Rotation.ToString("c")),
            ("JWT_KEY_PUBLISH_AHEAD", PublishAhead.ToString("c")),
            ("ACCESS_TOKEN_LIFETIME", TokenLifetime.ToString("c")),
            // The issuer is the Auth API's URL, as the README asks, so discovery names it.
            ("JWT_ISSUER", $"http://127.0.0.1:{authA}"),
            ("JWT_AUDIENCE", "auth-service"));
        _apps.Add(await Hosts.StartSilo(_cluster.WithSiloPorts()));
        AuthA = await StartAuth(authA);
        AuthB = await StartAuth(FreePort.Next());
        AuthBServices = _apps[^1].Services;
        var userPort = FreePort.Next();
        _apps.Add(await Hosts.StartApi(_cluster.With(("API_ROLE", "user"), ("USER_PORT", userPort.ToString())), services: UseClock));
        Users = ContractCheckingHandler.Client(userPort);
        _client = await Hosts.StartClient(_cluster);
        await OnStarted();
    }

    protected virtual Task OnStarted() => Task.CompletedTask;

    /// <summary>Another Auth API front end of this cluster, on the same clock, with settings of its own.</summary>
    public async Task<HttpClient> StartAuth(int port, params (string Key, string? Value)[] overrides)
    {
        _apps.Add(await Hosts.StartApi(_cluster.With(("API_ROLE", "auth"), ("AUTH_PORT", port.ToString())).With(overrides), services: UseClock));
        var client = ContractCheckingHandler.Client(port);
        _clients.Add(client);
        return client;
    }

    /// <summary>The ring as stored in the cluster.</summary>
    public Task<SigningKeyRing> StoredRing() =>
        _client!.Services.GetRequiredService<IGrainFactory>().GetGrain<ISigningKeyRingGrain>(Algorithm).Get();

    /// <summary>Registers a user and logs in on <paramref name="auth"/>.</summary>
    public async Task<Session> SignUp(HttpClient auth)
    {
        var email = ApiCalls.UniqueEmail();
        var created = await Users.Register(email);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Json()).GetProperty("id").GetGuid();
        var login = await auth.Login(email, "correct horse battery");
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var tokens = await login.Json();
        return new Session(id, email, "correct horse battery", tokens.GetProperty("accessToken").GetString()!, tokens.GetProperty("refreshToken").GetString()!);
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var http in _clients)
        {
            http.Dispose();
        }

        Users?.Dispose();
        if (_client is not null)
        {
            await _client.StopAsync();
            _client.Dispose();
        }

        foreach (var app in Enumerable.Reverse(_apps))
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private void UseClock(IServiceCollection services) => services.AddKeyedSingleton<TimeProvider>(TokenClock.ServiceKey, Clock);
}

public sealed class Rs256Cluster : KeyRingCluster
{
    public override string Algorithm => "RS256";
}

public sealed class Es256Cluster : KeyRingCluster
{
    public override string Algorithm => "ES256";
}
