using Confluent.Kafka;
using Grains.Interfaces.Users;
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
    private TwoSiloCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TwoSiloCluster.Start("pending");

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task Events_pending_on_a_killed_silo_still_reach_kafka_from_the_survivor()
    {
        var grains = _cluster.Grains;
        await _cluster.BothActive();

        _cluster.Kafka.SetBrokerDown();
        var users = Enumerable.Range(0, 12).Select(_ => Guid.NewGuid()).ToList();
        foreach (var id in users)
        {
            var created = await grains.GetGrain<IUserGrain>(id).Create(new CreateUser("Pending", $"pending-{id:N}@example.com", "$argon2id$h", []));
            Assert.Equal(UserWriteStatus.Ok, created.Status);
        }

        // Placement decides where the grains went; the silo holding more of them is the one that dies.
        var onSilo = new List<int>();
        foreach (var silo in _cluster.Silos)
        {
            onSilo.Add(await _cluster.UserGrainsOn(silo));
        }

        var victim = onSilo.IndexOf(onSilo.Max());
        var onVictim = onSilo[victim];
        output.WriteLine($"{onVictim} of {users.Count} user grains lived on the silo that is killed");
        _cluster.Silos[victim].Kill();
        var killedAt = DateTime.UtcNow;
        _cluster.Kafka.SetBrokerUp();

        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = _cluster.Kafka.BootstrapServers,
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
}
