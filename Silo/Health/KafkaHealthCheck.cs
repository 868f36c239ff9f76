using Microsoft.Extensions.Diagnostics.HealthChecks;
using Streaming.Kafka;

namespace Silo.Health;

/// <summary>
/// Degraded, not unhealthy, while the user-event provider cannot publish: the silo keeps serving logins and
/// writes (their events wait in the outboxes), so it must stay in rotation; the status says why.
/// </summary>
internal sealed class KafkaHealthCheck(KafkaPublishingStatus status) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(status.Problem is { } problem
            ? HealthCheckResult.Degraded($"user events wait in outboxes: {problem}")
            : HealthCheckResult.Healthy());
}
