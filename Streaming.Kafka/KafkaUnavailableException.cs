namespace Streaming.Kafka;

/// <summary>A publish refused at once because Kafka is known to be unreachable; the publisher should keep the events and retry.</summary>
public sealed class KafkaUnavailableException(string message) : Exception(message);
