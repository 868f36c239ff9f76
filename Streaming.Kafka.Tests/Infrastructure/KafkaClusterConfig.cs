using Microsoft.Extensions.Configuration;
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

    public static TestCluster Build(KafkaStreamOptions options)
    {
        var builder = new TestClusterBuilder(initialSilosCount: 1);
        builder.Properties["Kafka:BootstrapServers"] = options.BootstrapServers;
        builder.Properties["Kafka:Topic"] = options.Topic;
        builder.Properties["Kafka:Partitions"] = options.Partitions.ToString();
        builder.Properties["Kafka:ConsumerGroupId"] = options.ConsumerGroupId;
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        return builder.Build();
    }

    private static void Bind(IConfiguration configuration, KafkaStreamOptions options)
    {
        options.BootstrapServers = configuration["Kafka:BootstrapServers"]!;
        options.Topic = configuration["Kafka:Topic"]!;
        options.Partitions = int.Parse(configuration["Kafka:Partitions"]!);
        options.ConsumerGroupId = configuration["Kafka:ConsumerGroupId"]!;
        options.ConsumerConfig["fetch.wait.max.ms"] = "50";
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo) =>
            silo.AddKafkaStreams(ProviderName, options => Bind(silo.Configuration, options),
                // Implicit subscriptions only: no pub-sub grain storage needed.
                stream => stream.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly));
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder client) =>
            client.AddKafkaStreams(ProviderName, options => Bind(configuration, options),
                stream => stream.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly));
    }
}
