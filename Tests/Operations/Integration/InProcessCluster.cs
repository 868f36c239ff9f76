using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Tests.Integration;

/// <summary>
/// Silos and plain clients of one test cluster, in this process, on the real PostgreSQL and Redis that ./test.sh
/// starts. Tests stop and start them to cross a restart; whatever still runs is stopped on dispose.
/// </summary>
public sealed class InProcessCluster(string serviceId) : IAsyncDisposable
{
    private readonly Dictionary<string, string?> _settings = ExternalServices.ClusterSettings(serviceId);
    private readonly List<WebApplication> _silos = [];
    private readonly List<IHost> _clients = [];

    /// <summary>The SERVICE_ID (also the CLUSTER_ID): what the stores key this cluster's records by.</summary>
    public string ServiceId => serviceId;

    public static IGrainFactory GrainsOf(IHost client) => client.Services.GetRequiredService<IGrainFactory>();

    /// <param name="services">Registrations made before the silo's own (see <see cref="Hosts.StartSilo"/>).</param>
    public async Task<WebApplication> StartSilo(Action<IServiceCollection>? services = null)
    {
        var silo = await Hosts.StartSilo(_settings.WithSiloPorts(), services: services);
        _silos.Add(silo);
        return silo;
    }

    public async Task<IHost> StartClient()
    {
        var client = await Hosts.StartClient(_settings);
        _clients.Add(client);
        return client;
    }

    public async Task Stop(WebApplication silo)
    {
        _silos.Remove(silo);
        await silo.StopAsync();
        await silo.DisposeAsync();
    }

    public async Task Stop(IHost client)
    {
        _clients.Remove(client);
        await client.StopAsync();
        client.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients.ToList())
        {
            await Stop(client);
        }

        foreach (var silo in _silos.ToList())
        {
            await Stop(silo);
        }
    }
}
