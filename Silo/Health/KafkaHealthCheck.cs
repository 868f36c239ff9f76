using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Silo.Health;

/// <summary>Ready when a broker answers a metadata request for the user-event topic.</summary>
internal sealed class KafkaHealthCheck(string brokers, string topic) : IHealthCheck, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    private readonly IAdminClient _admin = new AdminClientBuilder(new AdminClientConfig
    {
        BootstrapServers = brokers,
        AllowAutoCreateTopics = false,
    }).Build();

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // The client's call blocks, so it runs off the request thread.
            var metadata = await Task.Run(() => _admin.GetMetadata(topic, Timeout), cancellationToken);
            return metadata.Brokers.Count > 0 ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("no Kafka broker answers");
        }
        catch (KafkaException)
        {
            return HealthCheckResult.Unhealthy("Kafka does not answer");
        }
    }

    public void Dispose() => _admin.Dispose();
}
