using System.Diagnostics.Metrics;

namespace Grains;

/// <summary>The grains' counters, exported by each silo at /metrics (meter "Auth.Grains").</summary>
public static class GrainMetrics
{
    public const string MeterName = "Auth.Grains";

    private static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> SessionsStarted =
        Meter.CreateCounter<long>("auth.sessions.started", description: "Sessions opened by a login");

    public static readonly Counter<long> SessionsRevoked =
        Meter.CreateCounter<long>("auth.sessions.revoked", description: "Sessions ended by logout, reuse detection, a password change or deletion");

    public static readonly Counter<long> ChangesUnconfirmed =
        Meter.CreateCounter<long>("auth.changes.unconfirmed", description: "Announcements to the front ends that not every reader confirmed in time");

    public static readonly Counter<long> EventsPublished =
        Meter.CreateCounter<long>("auth.events.published", description: "User events accepted by the stream");

    public static readonly Counter<long> EventPublishFailures =
        Meter.CreateCounter<long>("auth.events.publish_failures", description: "Attempts to publish user events that failed and will be retried");

    public static readonly UpDownCounter<long> EventsPending =
        Meter.CreateUpDownCounter<long>("auth.events.pending", description: "User events stored in an outbox and not yet published, in this silo's activations");
}
