namespace Grains;

/// <summary>
/// Where user events travel: one Orleans stream per user (namespace "user", key = user id) on the
/// "user-events" provider — Kafka in a cluster, memory streams in embedded mode. Its items are the
/// events' JSON, so outside Kafka consumers read exactly what the grains read.
/// </summary>
public static class UserEventStream
{
    public const string Provider = "user-events";
    public const string Namespace = "user";

    /// <summary>The storage memory streams keep their subscriptions in.</summary>
    public const string PubSubStore = "PubSubStore";
}
