using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.AspNetCore.Builder;
using Streaming.Kafka.Testing;
using Tests.Infrastructure;
using TestSupport.OpenApi;

namespace Tests.Kafka;

/// <summary>
/// The topology with user events on Kafka: librdkafka's mock brokers (real Kafka protocol on loopback
/// TCP), a silo whose KAFKA_BROKER points at them, and both front ends.
/// </summary>
public sealed class KafkaFrontEndsFixture : IAsyncLifetime
{
    public const string Topic = "user-events";
    public const int Partitions = 8;

    private readonly List<WebApplication> _hosts = [];

    public MockKafkaCluster Kafka { get; } = MockKafkaCluster.Start(3);
    public HttpClient Auth { get; private set; } = null!;
    public HttpClient Users { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // The mock brokers do not implement CreateTopics, so the topic exists before the provider looks.
        Kafka.CreateStreamTopics(Topic, Partitions);
        var cluster = ExternalServices.ClusterSettings($"kafka-{Guid.NewGuid():N}").With(
            ("KAFKA_BROKER", Kafka.BootstrapServers),
            ("KAFKA_TOPIC", Topic),
            ("KAFKA_PARTITIONS", Partitions.ToString()));
        _hosts.Add(await Hosts.StartSilo(cluster.WithSiloPorts()));
        var (authPort, userPort) = (FreePort.Next(), FreePort.Next());
        _hosts.Add(await Hosts.StartApi(cluster.With(("API_ROLE", "auth"), ("AUTH_PORT", authPort.ToString()))));
        _hosts.Add(await Hosts.StartApi(cluster.With(("API_ROLE", "user"), ("USER_PORT", userPort.ToString()),
            ("ADMIN_EMAIL", Http.FrontEndsFixture.AdminEmail), ("ADMIN_PASSWORD", Http.FrontEndsFixture.AdminPassword))));
        Auth = ContractCheckingHandler.Client(authPort);
        Users = ContractCheckingHandler.Client(userPort);
    }

    public async Task DisposeAsync()
    {
        Auth.Dispose();
        Users.Dispose();
        foreach (var host in Enumerable.Reverse(_hosts))
        {
            await host.StopAsync();
            await host.DisposeAsync();
        }

        await Kafka.DisposeAsync();
    }

    /// <summary>A plain Confluent consumer reading the whole topic from the start, as any outside service would.</summary>
    public IConsumer<string, string> OutsideConsumer()
    {
        var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = Kafka.BootstrapServers,
            GroupId = $"outside-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            // librdkafka's mock broker answers a fetch only when its wait runs out, so keep the wait short.
            FetchWaitMaxMs = 10,
        }).Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(Topic, p, Offset.Beginning)));
        return consumer;
    }

    /// <summary>
    /// Every record on the topic, read up to each partition's end (librdkafka reports the end): an exact count,
    /// not "nothing more came within a timeout". Call it once what is expected has been seen (<see cref="ReadUntil"/>).
    /// </summary>
    public List<ConsumeResult<string, string>> ReadAll() => ReadAll(Kafka.BootstrapServers);

    /// <summary>The same exact read of the user-event topic on any mock cluster (tests that start silos of their own).</summary>
    public static List<ConsumeResult<string, string>> ReadAll(string bootstrapServers)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"outside-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            EnablePartitionEof = true,
            FetchWaitMaxMs = 10,
        }).Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(Topic, p, Offset.Beginning)));
        var read = new List<ConsumeResult<string, string>>();
        var ended = new HashSet<int>();
        var clock = Stopwatch.StartNew();
        while (ended.Count < Partitions)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the topic's end was not reached");
            switch (consumer.Consume(TimeSpan.FromMilliseconds(200)))
            {
                case { IsPartitionEOF: true } end:
                    ended.Add(end.Partition.Value);
                    break;
                case { } record:
                    read.Add(record);
                    break;
            }
        }

        return read;
    }

    /// <summary>Reads the topic until <paramref name="done"/> holds for what was read, or time runs out.</summary>
    public List<ConsumeResult<string, string>> ReadUntil(Func<List<ConsumeResult<string, string>>, bool> done, int seconds = 30)
    {
        using var consumer = OutsideConsumer();
        var read = new List<ConsumeResult<string, string>>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(seconds) && !done(read))
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } result)
            {
                read.Add(result);
            }
        }

        return read;
    }
}

[CollectionDefinition(Name)]
public sealed class KafkaFrontEnds : ICollectionFixture<KafkaFrontEndsFixture>
{
    public const string Name = "kafka front ends";
}
