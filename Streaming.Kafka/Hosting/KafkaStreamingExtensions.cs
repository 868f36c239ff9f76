using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Runtime;
using Streaming.Kafka;

namespace Orleans.Hosting;

/// <summary>Registers a Kafka-backed persistent stream provider on a silo or a client.</summary>
public static class KafkaStreamingExtensions
{
    /// <summary>
    /// Adds the Kafka stream provider <paramref name="name"/> to the silo. Silos read (one pulling agent per
    /// Kafka partition, spread by the Orleans queue balancer) and write.
    /// <paramref name="configureStream"/> reaches the usual Orleans knobs (pub-sub type, pulling agent, balancer).
    /// With the default pub-sub type, explicit subscriptions need a grain storage named "PubSubStore".
    /// Events are delivered without a time limit (<see cref="StreamPullingAgentOptions.MaxEventDeliveryTime"/> is
    /// always infinite): a subscriber that fails for a while gets every event once it recovers.
    /// </summary>
    public static ISiloBuilder AddKafkaStreams(
        this ISiloBuilder builder,
        string name,
        Action<KafkaStreamOptions> configureOptions,
        Action<ISiloPersistentStreamConfigurator>? configureStream = null)
    {
        ArgumentNullException.ThrowIfNull(configureOptions);
        var configurator = new SiloPersistentStreamConfigurator(name, services => builder.ConfigureServices(services), KafkaQueueAdapterFactory.Create);
        Configure(configurator, name, configureOptions);
        configureStream?.Invoke(configurator);
        // After the caller's settings, on purpose: Kafka keeps one offset per partition, so an event the agent gave
        // up on could only be committed over (lost) or block the partition's commit. It is retried until delivered.
        configurator.ConfigureDelegate(services => services.PostConfigure<StreamPullingAgentOptions>(name,
            options => options.MaxEventDeliveryTime = Timeout.InfiniteTimeSpan));
        return builder;
    }

    /// <summary>Adds the Kafka stream provider <paramref name="name"/> to a client, which only publishes.</summary>
    public static IClientBuilder AddKafkaStreams(
        this IClientBuilder builder,
        string name,
        Action<KafkaStreamOptions> configureOptions,
        Action<IClusterClientPersistentStreamConfigurator>? configureStream = null)
    {
        ArgumentNullException.ThrowIfNull(configureOptions);
        var configurator = new ClusterClientPersistentStreamConfigurator(name, builder, KafkaQueueAdapterFactory.Create);
        Configure(configurator, name, configureOptions);
        configureStream?.Invoke(configurator);
        return builder;
    }

    private static void Configure(INamedServiceConfigurator configurator, string name, Action<KafkaStreamOptions> configureOptions)
    {
        configurator.Configure<KafkaStreamOptions>(options => options.Configure(configureOptions));
        configurator.ConfigureDelegate(services => services.AddKeyedSingleton<KafkaPublishingStatus>(name));
        configurator.ConfigureDelegate(services => services.AddTransient<IConfigurationValidator>(sp =>
            new KafkaStreamOptionsValidator(sp.GetOptionsByName<KafkaStreamOptions>(name), name)));
    }
}
