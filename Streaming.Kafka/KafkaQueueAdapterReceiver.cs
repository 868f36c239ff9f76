using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace Streaming.Kafka;

/// <summary>
/// Reads one Kafka partition for one Orleans pulling agent.
/// <para>The partition is assigned explicitly (<c>Assign</c>, never <c>Subscribe</c>): the Orleans queue balancer
/// decides which silo reads which partition, and a Kafka group rebalance would fight it.</para>
/// <para>Reading starts at the group's committed offset (earliest when there is none). The commit only ever covers
/// the contiguous prefix of records that were delivered or dead-lettered (<see cref="PartitionProgress"/>), so a
/// crash, a shutdown or an event the agent gave up on re-delivers instead of losing it (at-least-once).</para>
/// <para>A record that cannot be decoded goes to the dead-letter topic with the reason; until Kafka has stored it
/// there, the partition does not move past it.</para>
/// </summary>
internal sealed class KafkaQueueAdapterReceiver(
    TopicPartition partition,
    ConsumerConfig config,
    KafkaMessageCodec codec,
    KafkaDeadLetters deadLetters,
    KafkaPublishingStatus status,
    Action<PartitionProgress> publishProgress,
    ILogger<KafkaQueueAdapterReceiver> logger) : IQueueAdapterReceiver
{
    // The pulling agent asks for "no limit" with a negative count; keep one read bounded anyway.
    private const int MaxRecordsPerRead = 1000;

    private readonly PartitionProgress _progress = new();
    private IConsumer<byte[], byte[]>? _consumer;
    private long _stored = Offset.Unset.Value;

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
        publishProgress(_progress);
        logger.LogInformation("Kafka receiver assigned {TopicPartition} for group {GroupId}", partition, config.GroupId);
        return Task.CompletedTask;
    }

    public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount) => GetQueueMessagesAsync(maxCount, CancellationToken.None);

    public async Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount, CancellationToken cancellationToken)
    {
        var batch = new List<IBatchContainer>();
        var consumer = _consumer;
        // Until the topic's partition count is confirmed, reading it could deliver another mapping's streams.
        if (consumer is null || !status.TopicConfirmed) return batch;

        var limit = maxCount <= 0 ? MaxRecordsPerRead : Math.Min(maxCount, MaxRecordsPerRead);
        while (batch.Count < limit && !cancellationToken.IsCancellationRequested)
        {
            ConsumeResult<byte[], byte[]>? record;
            try
            {
                // A zero timeout only takes what librdkafka already fetched in the background: the agent's
                // scheduler thread never waits on the network. The agent polls again on its timer.
                record = consumer.Consume(TimeSpan.Zero);
            }
            catch (ConsumeException e) when (batch.Count > 0)
            {
                // Hand over what was read; the next poll meets the error again and the agent backs off then.
                logger.LogWarning(e, "Kafka read from {TopicPartition} failed after {Count} records", partition, batch.Count);
                break;
            }

            if (record is null) break;
            if (record.IsPartitionEOF) continue;

            if (!await TryDecode(record, batch, cancellationToken))
            {
                // The dead letter could not be stored: read this record again on the next poll.
                consumer.Seek(record.TopicPartitionOffset);
                break;
            }
        }

        // Records settled here (skipped, dead-lettered) at the end of a partition are committed too.
        StoreProgress();
        return batch;
    }

    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages) => MessagesDeliveredAsync(messages, CancellationToken.None);

    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages, CancellationToken cancellationToken)
    {
        _progress.Released(messages.OfType<KafkaBatchContainer>().Select(m => m.Offset));
        StoreProgress();
        return Task.CompletedTask;
    }

    public Task Shutdown(TimeSpan timeout) => Shutdown(timeout, CancellationToken.None);

    public async Task Shutdown(TimeSpan timeout, CancellationToken cancellationToken)
    {
        StoreProgress();
        var consumer = Interlocked.Exchange(ref _consumer, null);
        if (consumer is null) return;

        // Close commits what was stored, the delivered prefix, and nothing beyond it: events read but not yet
        // delivered must be read again by whichever silo takes the partition next.
        await Task.Run(() =>
        {
            try
            {
                consumer.Close();
            }
            catch (KafkaException e)
            {
                logger.LogWarning("Closing the reader of {TopicPartition} failed: {Reason}", partition, e.Error.Reason);
            }
            finally
            {
                consumer.Dispose();
            }
        }, CancellationToken.None);
    }

    /// <summary>Returns false when the record is poison and could not be dead-lettered.</summary>
    private async Task<bool> TryDecode(ConsumeResult<byte[], byte[]> record, List<IBatchContainer> batch, CancellationToken cancellationToken)
    {
        KafkaBatchContainer? container;
        try
        {
            container = codec.Decode(record);
        }
        catch (InvalidDataException e)
        {
            try
            {
                await deadLetters.WriteAsync(record, e.Message, cancellationToken);
            }
            catch (Exception failure) when (failure is KafkaException or OperationCanceledException)
            {
                logger.LogWarning("Could not dead-letter {TopicPartitionOffset} ({Error}); the partition waits", record.TopicPartitionOffset, failure.Message);
                return false;
            }

            _progress.Read(record.Offset.Value, handedOver: false);
            return true;
        }

        if (container is null)
        {
            logger.LogDebug("Skipping {TopicPartitionOffset}: not written by an Orleans Kafka stream provider", record.TopicPartitionOffset);
            _progress.Read(record.Offset.Value, handedOver: false);
            return true;
        }

        _progress.Read(record.Offset.Value, handedOver: true);
        batch.Add(container);
        return true;
    }

    /// <summary>
    /// Stores the delivered prefix as the offset to commit; librdkafka commits stored offsets in the background
    /// (auto.commit.interval.ms) and on close. Storing is local: the agent never waits for the broker.
    /// </summary>
    private void StoreProgress()
    {
        var consumer = _consumer;
        if (consumer is null || _progress.CommitTarget() is not { } next || next <= _stored) return;
        try
        {
            consumer.StoreOffset(new TopicPartitionOffset(partition, new Offset(next)));
            _stored = next;
        }
        catch (KafkaException e)
        {
            // E.g. the partition is not assigned yet; the next poll or delivery report stores it.
            logger.LogDebug("Storing offset {Offset} of {TopicPartition} failed: {Reason}", next, partition, e.Error.Reason);
        }
    }
}
