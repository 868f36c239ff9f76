using Orleans;
using Orleans.Runtime;

namespace Streaming.Kafka;

/// <summary>Rejects unusable <see cref="KafkaStreamOptions"/> when the silo or client starts, before any Kafka call.</summary>
internal sealed class KafkaStreamOptionsValidator(KafkaStreamOptions options, string providerName) : IConfigurationValidator
{
    public void ValidateConfiguration()
    {
        var problems = FindProblems(options).ToList();
        if (problems.Count > 0)
        {
            throw new OrleansConfigurationException(
                $"Kafka stream provider '{providerName}' is misconfigured: {string.Join("; ", problems)}.");
        }
    }

    internal static IEnumerable<string> FindProblems(KafkaStreamOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.BootstrapServers))
            yield return $"{nameof(KafkaStreamOptions.BootstrapServers)} is required";
        if (string.IsNullOrWhiteSpace(options.Topic))
            yield return $"{nameof(KafkaStreamOptions.Topic)} is required";
        else if (options.Topic.Length > 249 || options.Topic.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')))
            yield return $"{nameof(KafkaStreamOptions.Topic)} '{options.Topic}' is not a legal Kafka topic name";
        if (options.Partitions < 1)
            yield return $"{nameof(KafkaStreamOptions.Partitions)} must be at least 1";
        if (string.IsNullOrWhiteSpace(options.ConsumerGroupId))
            yield return $"{nameof(KafkaStreamOptions.ConsumerGroupId)} is required";
        if (options.ReplicationFactor < 1)
            yield return $"{nameof(KafkaStreamOptions.ReplicationFactor)} must be at least 1";
        if (options.MinInSyncReplicas is { } minInSync && (minInSync < 1 || minInSync > options.ReplicationFactor))
            yield return $"{nameof(KafkaStreamOptions.MinInSyncReplicas)} must be between 1 and {nameof(KafkaStreamOptions.ReplicationFactor)}";
        if (options.PublishTimeout <= TimeSpan.Zero)
            yield return $"{nameof(KafkaStreamOptions.PublishTimeout)} must be positive";
        if (options.AdminTimeout <= TimeSpan.Zero)
            yield return $"{nameof(KafkaStreamOptions.AdminTimeout)} must be positive";
    }
}
