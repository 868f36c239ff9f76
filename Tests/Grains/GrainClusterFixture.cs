using Grains;
using Grains.ReadModel;
using Grains.Sessions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Hosting;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Tests.Grains;

/// <summary>An in-process Orleans TestCluster with in-memory storage and a clock the tests move.</summary>
public sealed class GrainClusterFixture : IAsyncLifetime
{
    // Silo configurators are created by type inside the cluster, so the clock they register is static.
    public static FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 24, 6, 0, 0, TimeSpan.Zero));

    /// <summary>How long on <see cref="Time"/> a shard's record stays in memory unused; shards look every second.</summary>
    public static TimeSpan RecordIdleAfter { get; } = TimeSpan.FromMinutes(3);

    private static InMemoryUserDirectory Directory { get; } = new();

    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(initialSilosCount: 2);
        builder.AddSiloBuilderConfigurator<Configurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder client) => client.AddMemoryStreams(UserEventStream.Provider);
    }

    private sealed class Configurator : ISiloConfigurator
    {
        private const string UsersInner = "users-memory";
        private const string SessionsBehindFaults = "sessions-behind-faults";

        public void Configure(ISiloBuilder silo)
        {
            silo.AddMemoryGrainStorage(UsersInner);
            silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Users, (sp, _) => new UncertainWrites(sp.GetRequiredKeyedService<IGrainStorage>(UsersInner)));
            silo.AddMemoryGrainStorage(SessionsBehindFaults);
            silo.Services.AddKeyedSingleton<IGrainStorage>(
                StorageNames.Sessions,
                (services, _) => new FailingWritesStorage(services.GetRequiredKeyedService<IGrainStorage>(SessionsBehindFaults)));
            silo.AddMemoryGrainStorage(UserEventStream.PubSubStore);
            silo.AddMemoryStreams(UserEventStream.Provider);
            silo.UseInMemoryReminderService();
            // One read model for both silos, as PostgreSQL is in a real cluster.
            silo.Services.AddSingleton<IUserDirectory>(Directory);
            silo.Services.AddKeyedSingleton<TimeProvider>(DomainClock.ServiceKey, Time);
            silo.Services.AddSingleton<IChangeFeed, RecordingChangeFeed>();
            silo.Services.Configure<RecordShardOptions>(o =>
            {
                o.SweepEvery = TimeSpan.FromSeconds(1);
                o.IdleAfter = RecordIdleAfter;
            });
        }
    }
}

[CollectionDefinition(Name)]
public sealed class GrainCluster : ICollectionFixture<GrainClusterFixture>
{
    public const string Name = "grain cluster";
}
