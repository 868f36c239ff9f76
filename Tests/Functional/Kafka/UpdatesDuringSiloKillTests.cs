using System.Collections.Concurrent;
using Grains.Interfaces.Users;
using Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tests.Kafka;

/// <summary>
/// One user written by many callers at once, so that changes queue behind each write and are stored together,
/// while the silo holding the user is killed with SIGKILL. Every change answered as done must be in PostgreSQL and
/// on Kafka, each version given to one caller only, every stored change with its own event in sequence order.
/// </summary>
public sealed class UpdatesDuringSiloKillTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Writers = 8;

    private TwoSiloCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TwoSiloCluster.Start("coalesce");

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task Changes_stored_together_survive_a_killed_silo_each_with_its_own_version_and_event()
    {
        var grains = _cluster.Grains;
        await _cluster.BothActive();
        var id = Guid.NewGuid();
        var user = grains.GetGrain<IUserGrain>(id);
        Assert.Equal(UserWriteStatus.Ok, (await user.Create(new CreateUser("Busy", $"busy-{id:N}@example.com", "$argon2id$h", []))).Status);
        var host = -1;
        for (var i = 0; i < _cluster.Silos.Count; i++)
        {
            host = await _cluster.UserGrainsOn(_cluster.Silos[i]) == 1 ? i : host;
        }

        Assert.True(host >= 0, "the user grain was found on no silo");

        // Each writer sets names of its own; an answered change is remembered by the version it was given.
        var answered = new ConcurrentBag<(long Version, string Name)>();
        var killed = new TaskCompletionSource();
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; answered.Count < 400 && !(killed.Task.IsCompleted && i > 60); i++)
            {
                var name = $"writer-{w}-{i}";
                try
                {
                    if (await user.Update(new UpdateUser(Name: name)) is { Status: UserWriteStatus.Ok, User: { } view })
                    {
                        answered.Add((view.Version, name));
                    }
                }
                catch (Exception)
                {
                    // The call died with the silo (or its write's fate was unknown): it promised nothing.
                }
            }
        })).ToList();
        await Poll.Until(() => Task.FromResult(answered.Count), n => n >= 40, seconds: 60);
        _cluster.Silos[host].Kill();
        killed.SetResult();
        await Task.WhenAll(writers);

        var stored = await Poll.Until(() => user.Get(), v => v is not null, seconds: 60, toleratingErrors: true);
        var versions = answered.Select(a => a.Version).ToList();
        output.WriteLine($"{answered.Count} changes answered, stored version {stored!.Version}");
        Assert.Equal(versions.Count, versions.Distinct().Count());
        Assert.All(versions, v => Assert.InRange(v, 2, stored.Version));

        // The user's events, in the order Kafka holds them: a republished copy repeats an event, never reorders it.
        var events = await Poll.Until(
            () => Task.FromResult(Events(id)),
            e => e.Select(x => x.Sequence).Distinct().Count() >= stored.Version,
            seconds: 150);
        var firstSeen = events.DistinctBy(e => e.Sequence).ToList();
        Assert.Equal(Enumerable.Range(1, (int)stored.Version).Select(s => (long)s), firstSeen.Select(e => e.Sequence));
        Assert.All(events.GroupBy(e => e.Sequence), copies => Assert.Single(copies.Select(c => c.Id).Distinct()));
        Assert.All(answered, a => Assert.Equal(a.Name, firstSeen.Single(e => e.Version == a.Version).Data.Name));
    }

    private List<UserEvent> Events(Guid userId) =>
        [.. KafkaFrontEndsFixture.ReadAll(_cluster.Kafka.BootstrapServers).Select(r => UserEvent.FromJson(r.Message.Value)).Where(e => e.UserId == userId)];
}
