using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Streams;
using Orleans.TestingHost;

namespace Streaming.Kafka.Tests.Infrastructure;

/// <summary>
/// Wires AddKafkaStreams into TestCluster silos and client. TestCluster creates configurators with new(),
/// so the per-test Kafka settings travel through the cluster's configuration properties.
/// </summary>
public static class KafkaClusterConfig
{
    public const string ProviderName = "kafka";
    public const string Namespace = "user-events";

    /// <param name="maxEventDeliveryTime">What the test configures as the pulling agent's delivery limit (Orleans' default when null).</param>
    public static TestCluster Build(KafkaStreamOptions options, TimeSpan? maxEventDeliveryTime = null)
    {
        var builder = new TestClusterBuilder(initialSilosCount: 1);
        if (maxEventDeliveryTime is { } limit) builder.Properties["Kafka:MaxEventDeliveryTime"] = limit.ToString();
        builder.Properties["Kafka:AdminTimeout"] = options.AdminTimeout.ToString();
        builder.Properties["Kafka:BootstrapServers"] = options.BootstrapServers;
        builder.Properties["Kafka:Topic"] = options.Topic;
        builder.Properties["Kafka:Partitions"] = options.Partitions.ToString();
        builder.Properties["Kafka:ConsumerGroupId"] = options.ConsumerGroupId;
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        return builder.Build();
    }

    /// <summary>Waits until the client's provider confirmed the topic (the check runs in the background after start).</summary>
    public static async Task WaitUntilPublishing(TestCluster cluster)
    {
        var status = cluster.Client.ServiceProvider.GetRequiredKeyedService<KafkaPublishingStatus>(ProviderName);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!status.CanPublish)
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"Publishing did not come up: {status.Problem}");
            await Task.Delay(20);
        }
    }

    private static void Bind(IConfiguration configuration, KafkaStreamOptions options)
    {
        options.BootstrapServers = configuration["Kafka:BootstrapServers"]!;
        options.Topic = configuration["Kafka:Topic"]!;
        options.Partitions = int.Parse(configuration["Kafka:Partitions"]!);
        options.ConsumerGroupId = configuration["Kafka:ConsumerGroupId"]!;
        options.AdminTimeout = TimeSpan.Parse(configuration["Kafka:AdminTimeout"]!);
        options.ConsumerConfig["fetch.wait.max.ms"] = "50";
        // Reconnect quickly once brokers are back (librdkafka backs off up to 10 s by default).
        options.ProducerConfig["reconnect.backoff.max.ms"] = "200";
        options.ConsumerConfig["reconnect.backoff.max.ms"] = "200";
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo) =>
            silo.AddKafkaStreams(ProviderName, options => Bind(silo.Configuration, options), stream =>
            {
                // Implicit subscriptions only: no pub-sub grain storage needed.
                stream.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
                if (silo.Configuration["Kafka:MaxEventDeliveryTime"] is { } limit)
                    stream.ConfigurePullingAgent(agent => agent.Configure(o => o.MaxEventDeliveryTime = TimeSpan.Parse(limit)));
            });
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder client) =>
            client.AddKafkaStreams(ProviderName, options => Bind(configuration, options),
                stream => stream.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly));
    }
}
