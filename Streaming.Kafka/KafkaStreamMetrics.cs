using System.Diagnostics.Metrics;

namespace Streaming.Kafka;

/// <summary>The provider's instruments (meter "Streaming.Kafka"), exported wherever the host exports metrics.</summary>
public static class KafkaStreamMetrics
{
    public const string MeterName = "Streaming.Kafka";

    private static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> DeadLettered =
        Meter.CreateCounter<long>("kafka.stream.dead_lettered", description: "Records moved to the dead-letter topic because they can never be delivered");

    public static readonly UpDownCounter<int> PublishingDegraded =
        Meter.CreateUpDownCounter<int>("kafka.stream.publishing_degraded", description: "1 while a provider cannot publish (its topic is not confirmed yet or its brokers do not answer)");
}
