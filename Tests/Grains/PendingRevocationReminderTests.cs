using Grains;
using Grains.Interfaces.Sessions;
using Grains.Interfaces.Users;
using Grains.ReadModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.TestingHost;
using StackExchange.Redis;

namespace Tests.Grains;

/// <summary>
/// The user grain's outbox reminder is what wakes a user whose revocation is still owed once its activation is gone.
/// Here the sessions live in a real Redis of this test's own, which is stopped so the revocations of a password
/// change really fail: each reminder tick meanwhile must leave the reminder registered, and the first tick after
/// Redis is back must finish the revocation. Ticks are delivered as the reminder service delivers them, by calling
/// <see cref="IRemindable.ReceiveReminder"/> on the grain, rather than waiting out the one-minute period.
/// </summary>
public sealed class PendingRevocationReminderTests : IAsyncLifetime
{
    private const string OutboxReminder = "outbox";

    // The silo configurator is created by type inside the cluster, so the Redis address it reads is static.
    private static string _redis = "";

    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"revocation-redis-{Guid.NewGuid():N}");
    private readonly int _port = FreePort.Next();
    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        await ServiceScripts.Run($"start_redis '{_dir}' {_port} >/dev/null");
        _redis = $"127.0.0.1:{_port},abortConnect=false,connectTimeout=1000,syncTimeout=2000,asyncTimeout=2000";
        var builder = new TestClusterBuilder(initialSilosCount: 1);
        builder.AddSiloBuilderConfigurator<Configurator>();
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await ServiceScripts.Run($"stop_redis '{_dir}'");
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task The_outbox_reminder_stays_registered_while_a_revocation_is_pending_and_finishes_it_when_redis_is_back()
    {
        var grains = _cluster.GrainFactory;
        var userId = Guid.NewGuid();
        var user = grains.GetGrain<IUserGrain>(userId);
        Assert.Equal(UserWriteStatus.Ok, (await user.Create(new CreateUser("Ada", $"user-{userId:N}@example.com", "$argon2id$old", []))).Status);
        var sessionId = Guid.NewGuid();
        var session = grains.Session(sessionId);
        Assert.True(await session.Start(SessionGrainTests.Login(userId)));

        await ServiceScripts.Run($"stop_redis '{_dir}'");
        // The change is stored (users are in memory here); the revocation it decided cannot be.
        await Assert.ThrowsAnyAsync<Exception>(() => user.Update(new UpdateUser(PasswordHash: "$argon2id$new")));
        Assert.NotNull(await Reminder(user));

        // Ticks while Redis is down: the events go out, the revocation fails again, the reminder must stay.
        await Tick(user);
        await Tick(user);
        Assert.NotNull(await Reminder(user));

        await ServiceScripts.Run($"start_redis '{_dir}' {_port} >/dev/null");
        await Tick(user);

        Assert.False((await session.Check()).Active);
        Assert.Empty(await grains.UserSessions(userId).List());
        // Nothing left to do: the next tick lets the reminder go.
        await Tick(user);
        Assert.Null(await Reminder(user));
    }

    private static Task Tick(IUserGrain user) =>
        user.AsReference<IRemindable>().ReceiveReminder(OutboxReminder, new TickStatus(DateTime.UtcNow, TimeSpan.FromMinutes(1), DateTime.UtcNow));

    private async Task<ReminderEntry?> Reminder(IUserGrain user)
    {
        var table = ((InProcessSiloHandle)_cluster.Primary!).SiloHost.Services.GetRequiredService<IReminderTable>();
        return await table.ReadRow(user.GetGrainId(), OutboxReminder);
    }

    private sealed class Configurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.AddMemoryGrainStorage(StorageNames.Users);
            silo.AddRedisGrainStorage(StorageNames.Sessions, o => o.ConfigurationOptions = ConfigurationOptions.Parse(_redis));
            silo.AddMemoryGrainStorage(UserEventStream.PubSubStore);
            silo.AddMemoryStreams(UserEventStream.Provider);
            silo.UseInMemoryReminderService();
            silo.Services.AddSingleton<IUserDirectory, InMemoryUserDirectory>();
            silo.Services.AddKeyedSingleton(DomainClock.ServiceKey, TimeProvider.System);
            silo.Services.AddSingleton<IChangeFeed, NoChangeFeed>();
        }
    }
}
