using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;
using ErrorCode = Confluent.Kafka.ErrorCode;

namespace Streaming.Kafka;

/// <summary>
/// Makes sure the topic exists with exactly the configured partition count before anything is produced or read:
/// the stream-to-partition mapping is only stable if everybody agrees on that count.
/// </summary>
internal static class KafkaTopicInitializer
{
    public static async Task EnsureTopicAsync(KafkaStreamOptions options, string clientId, ILogger logger, CancellationToken cancellationToken)
    {
        using var admin = new AdminClientBuilder(KafkaClientConfigs.ForAdmin(options, clientId))
            .SetLogHandler((_, message) => KafkaLogging.Log(logger, message))
            .SetErrorHandler((_, error) => KafkaLogging.Error(logger, error))
            .Build();

        var existing = await GetPartitionCountAsync(admin, options, cancellationToken);
        if (existing is null)
        {
            if (!options.CreateTopicIfMissing)
                throw new InvalidOperationException($"Kafka topic '{options.Topic}' does not exist and {nameof(KafkaStreamOptions.CreateTopicIfMissing)} is off.");

            try
            {
                await admin.CreateTopicsAsync(
                    [new TopicSpecification { Name = options.Topic, NumPartitions = options.Partitions, ReplicationFactor = options.ReplicationFactor }],
                    new CreateTopicsOptions { RequestTimeout = options.AdminTimeout, OperationTimeout = options.AdminTimeout });
                logger.LogInformation("Created Kafka topic {Topic} with {Partitions} partitions", options.Topic, options.Partitions);
                return;
            }
            catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code == ErrorCode.TopicAlreadyExists))
            {
                // Another silo or client created it in the meantime: check it like any existing topic.
                existing = await GetPartitionCountAsync(admin, options, cancellationToken);
            }
        }

        if (existing != options.Partitions)
        {
            throw new InvalidOperationException(
                $"Kafka topic '{options.Topic}' has {existing} partitions but the stream provider is configured for {options.Partitions}; " +
                "they must match or streams would move between partitions and lose their order.");
        }
    }

    private static async Task<int?> GetPartitionCountAsync(IAdminClient admin, KafkaStreamOptions options, CancellationToken cancellationToken)
    {
        // GetMetadata blocks on the network; keep it off the caller's (possibly Orleans scheduler) thread.
        var metadata = await Task.Run(() => admin.GetMetadata(options.Topic, options.AdminTimeout), cancellationToken);
        var topic = metadata.Topics.FirstOrDefault(t => t.Topic == options.Topic);
        if (topic is null || topic.Error.Code == ErrorCode.UnknownTopicOrPart)
            return null;
        if (topic.Error.IsError)
            throw new KafkaException(topic.Error);
        return topic.Partitions.Count;
    }
}
