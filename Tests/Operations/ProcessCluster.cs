using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Tests.Operations;

/// <summary>
/// One test cluster as the product's own processes on the real PostgreSQL and Redis: silos and both front ends
/// (`dotnet Silo.dll`, `dotnet Api.dll`), HTTP clients for the front ends, and a plain cluster client to look
/// inside. Every process it started is stopped on dispose.
/// </summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    private readonly Dictionary<string, string?> _settings;
    private readonly string _name;
    private readonly List<NodeProcess> _nodes = [];
    private readonly List<NodeProcess> _silos = [];

    private ProcessCluster(string name)
    {
        _name = name;
        _settings = ExternalServices.ClusterSettings($"{name}-{Guid.NewGuid():N}");
    }

    /// <summary>The silos started with the cluster (not those started later with <see cref="StartSilo"/>).</summary>
    public IReadOnlyList<NodeProcess> Silos => _silos;

    public HttpClient Auth { get; private set; } = null!;
    public HttpClient Users { get; private set; } = null!;
    public IHost Client { get; private set; } = null!;
    public IGrainFactory Grains => Client.Services.GetRequiredService<IGrainFactory>();

    /// <param name="clientTimeout">How long the HTTP clients wait for an answer.</param>
    /// <param name="userApi">Settings of the user front end beyond the cluster's.</param>
    public static async Task<ProcessCluster> Start(string name, int silos, TimeSpan clientTimeout, params (string Key, string? Value)[] userApi)
    {
        var cluster = new ProcessCluster(name);
        for (var i = 0; i < silos; i++)
        {
            cluster._silos.Add(cluster.StartSilo($"{name}-silo-{i}"));
        }

        await Task.WhenAll(cluster._silos.Select(s => s.WaitUntilHealthy()));
        var (authPort, userPort) = (FreePort.Next(), FreePort.Next());
        var auth = NodeProcess.StartApi($"{name}-auth-api", cluster._settings.With(("API_ROLE", "auth"), ("AUTH_PORT", authPort.ToString())), authPort);
        var users = NodeProcess.StartApi(
            $"{name}-user-api", cluster._settings.With(("API_ROLE", "user"), ("USER_PORT", userPort.ToString())).With(userApi), userPort);
        cluster._nodes.AddRange([auth, users]);
        await Task.WhenAll(auth.WaitUntilHealthy(), users.WaitUntilHealthy());
        cluster.Auth = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{authPort}"), Timeout = clientTimeout };
        cluster.Users = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{userPort}"), Timeout = clientTimeout };
        cluster.Client = await Hosts.StartClient(cluster._settings);
        return cluster;
    }

    /// <summary>One more silo of this cluster, on fresh ports.</summary>
    public NodeProcess StartSilo(string name)
    {
        var silo = NodeProcess.StartSilo(name, _settings.WithSiloPorts());
        _nodes.Add(silo);
        return silo;
    }

    public async ValueTask DisposeAsync()
    {
        Auth?.Dispose();
        Users?.Dispose();
        if (Client is not null)
        {
            await Client.StopAsync();
            Client.Dispose();
        }

        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
    }
}
