using System.Globalization;
using Grains;
using Grains.ReadModel;
using Grains.Sessions;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Serialization;
using Orleans.Streams;
using Hosting;
using Hosting.Configuration;
using Silo.Events;
using Silo.Hosting;
using Silo.ReadModel;
using Silo.Persistence;
using StackExchange.Redis;

namespace Silo;

/// <summary>The one place where a silo's providers are chosen from <see cref="DeploymentSettings"/>.</summary>
public static class SiloSetup
{
    public static ISiloBuilder ConfigureAuthSilo(this ISiloBuilder silo, DeploymentSettings settings)
    {
        silo.Services.TryAddKeyedSingleton(DomainClock.ServiceKey, TimeProvider.System);
        silo.Services.AddOptions<RecordShardOptions>()
            .Validate(RecordShardOptions.IsValid, "RecordShardOptions: SweepEvery and IdleAfter must be positive")
            .ValidateOnStart();
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = settings.ClusterId;
            o.ServiceId = settings.ServiceId;
        });

        // Declare a dead silo within seconds rather than the default ~15-60 s: calls to grains it hosted
        // fail until then. Two missed probes of 2 s, voted by two silos.
        // A joining silo must reach every silo the table lists as active, and waits for one it cannot reach
        // until that silo's last heartbeat in the table is older than IAmAliveTablePublishTimeout x
        // NumMissedTableIAmAliveLimit (defaults 30 s x 3 = 90 s): the replacement of a lone silo that died
        // uncleanly waited that long. A heartbeat every 5 s, stale after two missed ones, bounds it at 10 s
        // (one small Redis write per silo every 5 s).
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(2);
            o.NumMissedProbesLimit = 2;
            o.TableRefreshTimeout = TimeSpan.FromSeconds(10);
            o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
            o.NumMissedTableIAmAliveLimit = 2;
        });

        if (settings.RedisConnection is { } redis)
        {
            // Listen where others are told to connect, not on every address of the host (a public interface included).
            silo.ConfigureEndpoints(settings.ResolveAdvertisedIp(), settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: false);
            silo.UseRedisClustering(redis);
            silo.Services.AddCompactStoredFormat(StorageNames.Sessions);
            silo.AddRedisGrainStorage(StorageNames.Sessions, o =>
            {
                o.ConfigurationOptions = RedisOptions(redis);
                o.EntryExpiry = settings.SessionStoreTtl;
            });
            silo.Services.AddSingleton<IChangeFeed>(sp => new RedisChangeFeed(
                RedisOptions(redis), settings.ClusterId, sp.GetRequiredService<ILogger<RedisChangeFeed>>()));
        }
        else
        {
            silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort);
            silo.AddMemoryGrainStorage(StorageNames.Sessions);
            silo.Services.AddSingleton<IChangeFeed, NoChangeFeed>();
        }

        if (settings.PostgresConnection is { } postgres)
        {
            silo.Services.AddCompactStoredFormat(StorageNames.Users);
            silo.AddAdoNetGrainStorage(StorageNames.Users, o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = postgres;
            });
            silo.UseAdoNetReminderService(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = postgres;
            });
            // The reminder table holds only users with unpublished events, so it is tiny; re-reading it every
            // minute (not every 5) bounds how long a dead silo's reminders can wait for a new owner, even
            // when a read is discarded because the ring changed again while it ran.
            silo.Configure<ReminderOptions>(o => o.RefreshReminderListPeriod = TimeSpan.FromMinutes(1));
            silo.Services.AddSingleton<IUserDirectory>(new PostgresUserDirectory(postgres, settings.ServiceId));
            silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp =>
                new PostgresSchemaParticipant(postgres, sp.GetRequiredService<ILogger<PostgresSchemaParticipant>>()));
        }
        else
        {
            silo.AddMemoryGrainStorage(StorageNames.Users);
            silo.UseInMemoryReminderService();
            silo.Services.AddSingleton<IUserDirectory, InMemoryUserDirectory>();
        }

        // Users' events: Kafka when KAFKA_BROKER is set (outside consumers read the same topic), memory otherwise.
        if (settings.KafkaBrokers is { } brokers)
        {
            silo.AddKafkaStreams(UserEventStream.Provider, o =>
            {
                o.BootstrapServers = brokers;
                o.Topic = settings.KafkaTopic;
                o.Partitions = settings.KafkaPartitions;
                o.ReplicationFactor = settings.KafkaReplicationFactor;
                o.MinInSyncReplicas = settings.KafkaMinInSyncReplicas;
                o.ConsumerGroupId = $"{settings.ServiceId}.{UserEventStream.Provider}";
                o.RecordHeaders = UserEventHeaders.For;
                // A publish attempt gives up soon; the user grain's outbox retries it.
                o.ProducerConfig["message.timeout.ms"] = "5000";
                // KAFKA_LINGER_MS: fewer, fuller produce requests (librdkafka sends one per partition) against event latency.
                o.ProducerConfig["linger.ms"] = settings.KafkaLingerMs.ToString(CultureInfo.InvariantCulture);
            },
            // Every subscriber is implicit (the projection grain), as in the tests: no pub-sub state to store.
            stream => stream.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly));
        }
        else
        {
            silo.AddMemoryStreams(UserEventStream.Provider);
        }

        silo.AddMemoryGrainStorage(UserEventStream.PubSubStore);

        silo.UseClusterTls(settings.ClusterTls);
        silo.AddIncomingGrainCallFilter<DependencyFailureFilter>();
        silo.Services.Configure<ExceptionSerializationOptions>(StorageOutage.AllowDriverExceptions);
        if (DashboardEndpoint.Served(settings))
        {
            silo.AddDashboard();
        }
        return silo;
    }

    /// <summary>
    /// The silo's Redis connection settings (session storage, change feed), with replies handled on the .NET thread
    /// pool rather than on StackExchange.Redis's own threads: a reply then goes on to the grain that awaits it without
    /// waking one more thread. Thread hand-offs were most of the silo's CPU per login (perf); in three pairs of bench
    /// S3 runs the silo spent 4-8 % less CPU per update, relative to the unchanged user front end, in each pair.
    /// </summary>
    private static ConfigurationOptions RedisOptions(string redisConnection)
    {
        var options = ConfigurationOptions.Parse(redisConnection);
        options.SocketManager = SocketManager.ThreadPool;
        return options;
    }

    public static string Describe(DeploymentSettings settings) =>
        $"cluster {settings.ClusterId}/{settings.ServiceId}; clustering: {(settings.RedisConnection is null ? "localhost" : "Redis")}; " +
        $"users: {(settings.PostgresConnection is null ? "in memory" : "PostgreSQL")}; " +
        $"sessions: {(settings.RedisConnection is null ? "in memory" : "Redis")}; " +
        $"user events: {(settings.KafkaBrokers is null ? "in-memory streams" : $"Kafka topic {settings.KafkaTopic}")}; " +
        $"cluster connections: {(settings.ClusterTls is null ? "plain TCP" : "mutual TLS")}";
}
