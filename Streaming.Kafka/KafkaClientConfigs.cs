using Confluent.Kafka;

namespace Streaming.Kafka;

/// <summary>
/// Builds the librdkafka settings of the provider's clients. Order matters: provider defaults first, then the
/// user's extra properties, then the settings the provider's guarantees depend on, which nobody may override.
/// </summary>
internal static class KafkaClientConfigs
{
    public static ProducerConfig ForProducer(KafkaStreamOptions options, string clientId)
    {
        var config = new ProducerConfig
        {
            ClientId = clientId,
            // librdkafka waits 5 minutes by default; a stream publish that hangs that long outlives any grain call.
            MessageTimeoutMs = 30_000,
        };
        Apply(config, options.ProducerConfig);

        config.BootstrapServers = options.BootstrapServers;
        // Retries without duplicates or reordering within a partition: per-key order depends on it.
        config.EnableIdempotence = true;
        config.Acks = Acks.All;
        // A missing topic must fail loudly, not be auto-created with the broker's default partition count.
        config.AllowAutoCreateTopics = false;
        return config;
    }

    public static ConsumerConfig ForConsumer(KafkaStreamOptions options, string clientId)
    {
        // librdkafka commits the stored offsets on its own thread this often (and on close): no commit ever
        // blocks the pulling agent or a pool thread, and a broker outage only delays commits.
        var config = new ConsumerConfig { ClientId = clientId, AutoCommitIntervalMs = 1000 };
        Apply(config, options.ConsumerConfig);

        config.BootstrapServers = options.BootstrapServers;
        config.GroupId = options.ConsumerGroupId;
        // Only offsets the receiver stores are committed, and it stores only the delivered prefix.
        config.EnableAutoCommit = true;
        config.EnableAutoOffsetStore = false;
        // No committed offset yet: start from the beginning rather than skip what was published before.
        config.AutoOffsetReset = AutoOffsetReset.Earliest;
        config.AllowAutoCreateTopics = false;
        return config;
    }

    public static AdminClientConfig ForAdmin(KafkaStreamOptions options, string clientId)
    {
        var config = new AdminClientConfig { ClientId = clientId };
        // Security settings given for the producer apply to the admin client too (same cluster, same credentials).
        Apply(config, options.ProducerConfig.Where(p => IsConnectionSetting(p.Key)));
        config.BootstrapServers = options.BootstrapServers;
        config.AllowAutoCreateTopics = false;
        return config;
    }

    private static void Apply(ClientConfig config, IEnumerable<KeyValuePair<string, string>> extra)
    {
        foreach (var (key, value) in extra)
        {
            config.Set(key, value);
        }
    }

    private static bool IsConnectionSetting(string key) =>
        key.StartsWith("security.", StringComparison.Ordinal)
        || key.StartsWith("sasl.", StringComparison.Ordinal)
        || key.StartsWith("ssl.", StringComparison.Ordinal)
        || key.StartsWith("socket.", StringComparison.Ordinal)
        || key.StartsWith("reconnect.", StringComparison.Ordinal)
        || key == "client.dns.lookup";
}
