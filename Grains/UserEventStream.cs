namespace Grains;

/// <summary>
/// Where user events travel: one Orleans stream per user (namespace "user", key = <see cref="Of"/>) on the
/// "user-events" provider — Kafka in a cluster, memory streams in embedded mode. Its items are the
/// events' JSON, so outside Kafka consumers read exactly what the grains read.
/// </summary>
public static class UserEventStream
{
    public const string Provider = "user-events";
    public const string Namespace = "user";

    /// <summary>
    /// A user's stream. Its key is the user id as the API writes it (canonical, dashed, lower case), because the
    /// provider uses the stream key as the Kafka record key that outside consumers see.
    /// </summary>
    public static StreamId Of(Guid userId) => StreamId.Create(Namespace, userId.ToString("D"));

    /// <summary>The storage memory streams keep their subscriptions in.</summary>
    public const string PubSubStore = "PubSubStore";
}
