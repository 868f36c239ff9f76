using Confluent.Kafka;
using Grains.Interfaces.Users;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Streaming.Kafka.Testing;
using Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tests.Kafka;

/// <summary>
/// Users are written while Kafka is down, so their events wait in the grains' outboxes; then the silo
/// holding some of those grains is killed with SIGKILL. Once Kafka is back every event still arrives:
/// the durable reminders (in PostgreSQL) wake the grains on the surviving silo.
/// </summary>
public sealed class PendingEventsAfterSiloLossTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly MockKafkaCluster _kafka = MockKafkaCluster.Start(3);
    private readonly List<NodeProcess> _silos = [];
    private Dictionary<string, string?> _cluster = null!;
    private IHost _client = null!;

    public async Task InitializeAsync()
    {
        _kafka.CreateStreamTopics(KafkaFrontEndsFixture.Topic, KafkaFrontEndsFixture.Partitions);
        _cluster = ExternalServices.ClusterSettings($"pending-{Guid.NewGuid():N}").With(
            ("KAFKA_BROKER", _kafka.BootstrapServers),
            ("KAFKA_TOPIC", KafkaFrontEndsFixture.Topic),
            ("KAFKA_PARTITIONS", KafkaFrontEndsFixture.Partitions.ToString()));
        for (var i = 0; i < 2; i++)
        {
            _silos.Add(NodeProcess.StartSilo($"pending-silo-{i}", _cluster.WithSiloPorts()));
        }

        await Task.WhenAll(_silos.Select(s => s.WaitUntilHealthy()));
        _client = await Hosts.StartClient(_cluster);
    }

    public async Task DisposeAsync()
    {
        await _client.StopAsync();
        _client.Dispose();
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }

        await _kafka.DisposeAsync();
    }

    [Fact]
    public async Task Events_pending_on_a_killed_silo_still_reach_kafka_from_the_survivor()
    {
        var grains = _client.Services.GetRequiredService<IGrainFactory>();
        var management = grains.GetGrain<IManagementGrain>(0);
        await Poll.Until(() => management.GetHosts(onlyActive: true), h => h.Count == 2, seconds: 60, toleratingErrors: true);

        _kafka.SetBrokerDown();
        var users = Enumerable.Range(0, 12).Select(_ => Guid.NewGuid()).ToList();
        foreach (var id in users)
        {
            var created = await grains.GetGrain<IUserGrain>(id).Create(new CreateUser("Pending", $"pending-{id:N}@example.com", "$argon2id$h", []));
            Assert.Equal(UserWriteStatus.Ok, created.Status);
        }

        // Placement decides where the grains went; the silo holding more of them is the one that dies.
        var onSilo = new List<int>();
        foreach (var silo in _silos)
        {
            onSilo.Add(await ActivationsOn(management, silo));
        }

        var victim = onSilo.IndexOf(onSilo.Max());
        var onVictim = onSilo[victim];
        output.WriteLine($"{onVictim} of {users.Count} user grains lived on the silo that is killed");
        _silos[victim].Kill();
        var killedAt = DateTime.UtcNow;
        _kafka.SetBrokerUp();

        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = _kafka.BootstrapServers,
            GroupId = $"outside-{Guid.NewGuid():N}",
            FetchWaitMaxMs = 10,
        }).Build();
        consumer.Assign(Enumerable.Range(0, KafkaFrontEndsFixture.Partitions)
            .Select(p => new TopicPartitionOffset(KafkaFrontEndsFixture.Topic, p, Offset.Beginning)));
        var seen = new HashSet<Guid>();
        var deadline = DateTime.UtcNow.AddMinutes(4);
        while (DateTime.UtcNow < deadline && !users.All(seen.Contains))
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } result
                && UserEvent.FromJson(result.Message.Value) is { Type: UserEvent.Created } created)
            {
                seen.Add(created.UserId);
            }
        }

        output.WriteLine($"{seen.Count(users.Contains)} of {users.Count} users' events reached Kafka, {(DateTime.UtcNow - killedAt).TotalSeconds:F0} s after the kill");
        Assert.True(onVictim > 0, "no grain lived on the killed silo, so nothing was tested");
        Assert.All(users, id => Assert.Contains(id, seen));
    }

    private static async Task<int> ActivationsOn(IManagementGrain management, NodeProcess silo)
    {
        var hosts = await management.GetHosts(onlyActive: true);
        var address = hosts.Keys.Single(a => a.Endpoint.Port == silo.SiloPort);
        var statistics = await management.GetSimpleGrainStatistics([address]);
        return statistics.Where(s => s.GrainType.Contains("UserGrain", StringComparison.Ordinal)).Sum(s => s.ActivationCount);
    }
}
