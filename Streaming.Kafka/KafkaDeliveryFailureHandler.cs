using Orleans.Runtime;
using Orleans.Streams;

namespace Streaming.Kafka;

/// <summary>
/// Told by the pulling agent when it stops trying to deliver an event. Kafka keeps one offset per partition,
/// so the event is held back from the commit (<see cref="PartitionProgress.Undelivered"/>) instead of being
/// committed over with the events after it; the partition's next reader delivers it again.
/// Subscriptions are never faulted: implicit ones cannot be, and an explicit one would stop for good.
/// </summary>
internal sealed class KafkaDeliveryFailureHandler(Func<PartitionProgress?> progress) : IStreamFailureHandler
{
    public bool ShouldFaultSubsriptionOnError => false;

    public Task OnDeliveryFailure(GuidId subscriptionId, string streamProviderName, StreamId streamId, StreamSequenceToken? sequenceToken)
    {
        // The receivers' tokens carry the Kafka offset (KafkaBatchContainer).
        if (sequenceToken is not null)
        {
            progress()?.Undelivered(sequenceToken.SequenceNumber);
        }

        return Task.CompletedTask;
    }

    public Task OnSubscriptionFailure(GuidId subscriptionId, string streamProviderName, StreamId streamId, StreamSequenceToken? sequenceToken) =>
        Task.CompletedTask;
}
