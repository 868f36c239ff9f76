namespace Streaming.Kafka;

/// <summary>
/// Whether a provider can publish right now: a breaker in front of the producer. It starts open (the topic is
/// not confirmed yet), opens again when the brokers stop answering, and only <see cref="KafkaAvailabilityMonitor"/>
/// closes it, after a probe got an answer. While it is open a publish fails at once instead of holding the
/// publisher (a user grain's turn) for the produce timeout; the publisher keeps its events and retries.
/// </summary>
public sealed class KafkaPublishingStatus
{
    private readonly Lock _lock = new();
    private string? _problem = "the topic has not been checked yet";

    public KafkaPublishingStatus() => KafkaStreamMetrics.PublishingDegraded.Add(1);

    public bool CanPublish => Volatile.Read(ref _problem) is null;

    /// <summary>Why publishing is degraded, or null when it is not.</summary>
    public string? Problem => Volatile.Read(ref _problem);

    /// <summary>The topic was confirmed once; receivers may read it from then on.</summary>
    public bool TopicConfirmed { get; private set; }

    internal void Degraded(string problem)
    {
        lock (_lock)
        {
            if (_problem is null) KafkaStreamMetrics.PublishingDegraded.Add(1);
            _problem = problem;
        }
    }

    internal void Recovered()
    {
        lock (_lock)
        {
            if (_problem is not null) KafkaStreamMetrics.PublishingDegraded.Add(-1);
            _problem = null;
            TopicConfirmed = true;
        }
    }

    internal void ThrowIfOpen()
    {
        if (Problem is { } problem)
            throw new KafkaUnavailableException($"Kafka publishing is degraded: {problem}.");
    }
}
