using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;
using ErrorCode = Confluent.Kafka.ErrorCode;

namespace Streaming.Kafka;

/// <summary>
/// Makes sure the topic exists with exactly the configured partition count before anything is produced or read
/// (the stream-to-partition mapping is only stable if everybody agrees on that count), and that its dead-letter
/// topic exists. Called by <see cref="KafkaAvailabilityMonitor"/>, which retries while Kafka does not answer.
/// </summary>
internal static class KafkaTopicInitializer
{
    public static async Task EnsureTopicAsync(KafkaStreamOptions options, string clientId, ILogger logger, CancellationToken cancellationToken)
    {
        using var admin = Build(options, clientId, logger);
        var existing = await EnsureExistsAsync(admin, options, options.Topic, logger, cancellationToken);
        if (existing != options.Partitions)
        {
            throw new InvalidOperationException(
                $"Kafka topic '{options.Topic}' has {existing} partitions but the stream provider is configured for {options.Partitions}; " +
                "they must match or streams would move between partitions and lose their order");
        }

        // Any partition count will do for dead letters: they are read by people and tools, not by the provider.
        await EnsureExistsAsync(admin, options, options.Topic + KafkaDeadLetters.Suffix, logger, cancellationToken);
    }

    /// <summary>Completes when a broker answers a metadata request for the topic; throws otherwise.</summary>
    public static async Task ProbeAsync(KafkaStreamOptions options, string clientId, ILogger logger, CancellationToken cancellationToken)
    {
        using var admin = Build(options, clientId, logger);
        if (await GetPartitionCountAsync(admin, options, options.Topic, cancellationToken) is null)
            throw new InvalidOperationException($"Kafka topic '{options.Topic}' is gone");
    }

    private static IAdminClient Build(KafkaStreamOptions options, string clientId, ILogger logger) =>
        new AdminClientBuilder(KafkaClientConfigs.ForAdmin(options, clientId))
            .SetLogHandler((_, message) => KafkaLogging.Log(logger, message))
            .SetErrorHandler((_, error) => KafkaLogging.Error(logger, error))
            .Build();

    /// <summary>Returns the topic's partition count, creating it first (when allowed) if it is missing.</summary>
    private static async Task<int> EnsureExistsAsync(IAdminClient admin, KafkaStreamOptions options, string topic, ILogger logger, CancellationToken cancellationToken)
    {
        if (await GetPartitionCountAsync(admin, options, topic, cancellationToken) is { } existing)
            return existing;

        if (!options.CreateTopicIfMissing)
            throw new InvalidOperationException($"Kafka topic '{topic}' does not exist and {nameof(KafkaStreamOptions.CreateTopicIfMissing)} is off");

        try
        {
            await admin.CreateTopicsAsync([Specification(options, topic)],
                new CreateTopicsOptions { RequestTimeout = options.AdminTimeout, OperationTimeout = options.AdminTimeout });
            logger.LogInformation("Created Kafka topic {Topic} with {Partitions} partitions", topic, options.Partitions);
            return options.Partitions;
        }
        catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code == ErrorCode.TopicAlreadyExists))
        {
            // Another silo or client created it in the meantime: check it like any existing topic.
            return await GetPartitionCountAsync(admin, options, topic, cancellationToken)
                ?? throw new InvalidOperationException($"Kafka topic '{topic}' was reported to exist but has no metadata");
        }
    }

    /// <summary>What the provider asks for when it creates a topic (the replication settings come from the options).</summary>
    internal static TopicSpecification Specification(KafkaStreamOptions options, string topic)
    {
        var specification = new TopicSpecification { Name = topic, NumPartitions = options.Partitions, ReplicationFactor = options.ReplicationFactor };
        if (options.MinInSyncReplicas is { } minInSync)
            specification.Configs = new Dictionary<string, string> { ["min.insync.replicas"] = minInSync.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        return specification;
    }

    private static async Task<int?> GetPartitionCountAsync(IAdminClient admin, KafkaStreamOptions options, string topic, CancellationToken cancellationToken)
    {
        // GetMetadata blocks on the network; keep it off the caller's (possibly Orleans scheduler) thread.
        var metadata = await Task.Run(() => admin.GetMetadata(topic, options.AdminTimeout), cancellationToken);
        var found = metadata.Topics.FirstOrDefault(t => t.Topic == topic);
        if (found is null || found.Error.Code == ErrorCode.UnknownTopicOrPart)
            return null;
        if (found.Error.IsError)
            throw new KafkaException(found.Error);
        return found.Partitions.Count;
    }
}
