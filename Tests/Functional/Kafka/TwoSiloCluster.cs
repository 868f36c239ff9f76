using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Streaming.Kafka.Testing;
using Tests.Infrastructure;

namespace Tests.Kafka;

/// <summary>
/// What the silo-kill tests stand on: two silo processes (so one can be killed with SIGKILL) on the test's
/// PostgreSQL and Redis and on mock Kafka brokers of their own, and a cluster client.
/// </summary>
public sealed class TwoSiloCluster : IAsyncDisposable
{
    private readonly List<NodeProcess> _silos = [];
    private IHost? _client;

    private TwoSiloCluster(string serviceId)
    {
        ServiceId = serviceId;
    }

    public string ServiceId { get; }
    public MockKafkaCluster Kafka { get; } = MockKafkaCluster.Start(3);
    public IReadOnlyList<NodeProcess> Silos => _silos;
    public IGrainFactory Grains => _client!.Services.GetRequiredService<IGrainFactory>();
    public IManagementGrain Management => Grains.GetGrain<IManagementGrain>(0);

    /// <summary>Starts both silos (<paramref name="name"/> names the service and the silos' logs) and the client.</summary>
    public static async Task<TwoSiloCluster> Start(string name, params (string Key, string? Value)[] settings)
    {
        var cluster = new TwoSiloCluster($"{name}-{Guid.NewGuid():N}");
        try
        {
            cluster.Kafka.CreateStreamTopics(KafkaFrontEndsFixture.Topic, KafkaFrontEndsFixture.Partitions);
            var environment = ExternalServices.ClusterSettings(cluster.ServiceId).With(
                [
                    ("KAFKA_BROKER", cluster.Kafka.BootstrapServers),
                    ("KAFKA_TOPIC", KafkaFrontEndsFixture.Topic),
                    ("KAFKA_PARTITIONS", KafkaFrontEndsFixture.Partitions.ToString()),
                    .. settings,
                ]);
            for (var i = 0; i < 2; i++)
            {
                cluster._silos.Add(NodeProcess.StartSilo($"{name}-silo-{i}", environment.WithSiloPorts()));
            }

            await Task.WhenAll(cluster._silos.Select(s => s.WaitUntilHealthy()));
            cluster._client = await Hosts.StartClient(environment);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Both silos are in the membership table as active (a client may start before the second one is).</summary>
    public Task BothActive() =>
        Poll.Until(() => Management.GetHosts(onlyActive: true), h => h.Count == 2, seconds: 60, toleratingErrors: true);

    /// <summary>How many user grains are active on <paramref name="silo"/>.</summary>
    public async Task<int> UserGrainsOn(NodeProcess silo)
    {
        var hosts = await Management.GetHosts(onlyActive: true);
        var address = hosts.Keys.Single(a => a.Endpoint.Port == silo.SiloPort);
        var statistics = await Management.GetSimpleGrainStatistics([address]);
        return statistics.Where(s => s.GrainType.Contains("UserGrain", StringComparison.Ordinal)).Sum(s => s.ActivationCount);
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.StopAsync();
            _client.Dispose();
        }

        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }

        await Kafka.DisposeAsync();
    }
}
