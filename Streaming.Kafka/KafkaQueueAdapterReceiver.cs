using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace Streaming.Kafka;

/// <summary>
/// Reads one Kafka partition for one Orleans pulling agent.
/// <para>The partition is assigned explicitly (<c>Assign</c>, never <c>Subscribe</c>): the Orleans queue balancer
/// decides which silo reads which partition, and a Kafka group rebalance would fight it.</para>
/// <para>Reading starts at the group's committed offset (earliest when there is none). Offsets are committed only
/// in <see cref="MessagesDeliveredAsync(IList{IBatchContainer}, CancellationToken)"/>, which the pulling agent calls
/// once events left its cache delivered, so a crash re-delivers events instead of losing them (at-least-once).</para>
/// </summary>
internal sealed class KafkaQueueAdapterReceiver(
    TopicPartition partition,
    ConsumerConfig config,
    KafkaMessageCodec codec,
    ILogger<KafkaQueueAdapterReceiver> logger) : IQueueAdapterReceiver
{
    // The pulling agent asks for "no limit" with a negative count; keep one read bounded anyway.
    private const int MaxRecordsPerRead = 1000;

    private IConsumer<byte[], byte[]>? _consumer;
    private long _committed = Offset.Unset.Value;

    public Task Initialize(TimeSpan timeout) => Initialize(timeout, CancellationToken.None);

    public Task Initialize(TimeSpan timeout, CancellationToken cancellationToken)
    {
        _consumer = new ConsumerBuilder<byte[], byte[]>(config)
            .SetLogHandler((_, message) => KafkaLogging.Log(logger, message))
            .SetErrorHandler((_, error) => KafkaLogging.Error(logger, error))
            .Build();

        // Offset.Stored: librdkafka fetches the group's committed offset itself (retrying while the
        // coordinator is unreachable) and falls back to auto.offset.reset=earliest; nothing blocks here.
        _consumer.Assign(new TopicPartitionOffset(partition, Offset.Stored));
        logger.LogInformation("Kafka receiver assigned {TopicPartition} for group {GroupId}", partition, config.GroupId);
        return Task.CompletedTask;
    }

    public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount) => GetQueueMessagesAsync(maxCount, CancellationToken.None);

    public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount, CancellationToken cancellationToken)
    {
        var batch = new List<IBatchContainer>();
        if (_consumer is null) return Task.FromResult<IList<IBatchContainer>>(batch);

        var limit = maxCount <= 0 ? MaxRecordsPerRead : Math.Min(maxCount, MaxRecordsPerRead);
        while (batch.Count < limit && !cancellationToken.IsCancellationRequested)
        {
            ConsumeResult<byte[], byte[]>? record;
            try
            {
                // A zero timeout only takes what librdkafka already fetched in the background: the agent's
                // scheduler thread never waits on the network. The agent polls again on its timer.
                record = _consumer.Consume(TimeSpan.Zero);
            }
            catch (ConsumeException e) when (batch.Count > 0)
            {
                // Hand over what was read; the next poll meets the error again and the agent backs off then.
                logger.LogWarning(e, "Kafka read from {TopicPartition} failed after {Count} records", partition, batch.Count);
                break;
            }

            if (record is null) break;
            if (record.IsPartitionEOF) continue;

            var container = TryDecode(record);
            if (container is not null) batch.Add(container);
        }

        return Task.FromResult<IList<IBatchContainer>>(batch);
    }

    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages) => MessagesDeliveredAsync(messages, CancellationToken.None);

    public async Task MessagesDeliveredAsync(IList<IBatchContainer> messages, CancellationToken cancellationToken)
    {
        var consumer = _consumer;
        if (consumer is null || messages.Count == 0) return;

        // Kafka keeps one offset per partition: the next one to read. The cache releases events oldest first,
        // so everything up to the highest delivered offset is done.
        var next = messages.OfType<KafkaBatchContainer>().Select(m => m.Offset).DefaultIfEmpty(-1).Max() + 1;
        if (next <= _committed) return;

        // Commit waits for the broker; keep the network wait off the agent's scheduler thread.
        await Task.Run(() => consumer.Commit([new TopicPartitionOffset(partition, new Offset(next))]), cancellationToken);
        _committed = next;
        logger.LogDebug("Committed {TopicPartition} at offset {Offset}", partition, next);
    }

    public Task Shutdown(TimeSpan timeout) => Shutdown(timeout, CancellationToken.None);

    public Task Shutdown(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var consumer = Interlocked.Exchange(ref _consumer, null);
        if (consumer is null) return Task.CompletedTask;

        // Nothing is committed here on purpose: events read but not yet delivered must be read again by
        // whichever silo takes the partition next.
        return Task.Run(() =>
        {
            try
            {
                consumer.Close();
            }
            finally
            {
                consumer.Dispose();
            }
        }, CancellationToken.None);
    }

    private KafkaBatchContainer? TryDecode(ConsumeResult<byte[], byte[]> record)
    {
        try
        {
            var container = codec.Decode(record);
            if (container is null)
                logger.LogDebug("Skipping {TopicPartitionOffset}: not written by an Orleans Kafka stream provider", record.TopicPartitionOffset);
            return container;
        }
        catch (Exception e)
        {
            // A record that cannot be decoded would otherwise block its partition forever.
            logger.LogError(e, "Skipping undecodable record {TopicPartitionOffset}", record.TopicPartitionOffset);
            return null;
        }
    }
}
