using Hosting;
using Hosting.Configuration;
using Grains;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Streaming.Kafka;

namespace Silo.Health;

/// <summary>What only a silo talks to, on top of the checks every host has: PostgreSQL, and whether Kafka takes user events.</summary>
public static class SiloHealthChecks
{
    public static IHealthChecksBuilder AddSiloStoreChecks(this IHealthChecksBuilder checks, DeploymentSettings settings)
    {
        if (settings.PostgresConnection is { } postgres)
        {
            checks.AddCheck("postgresql", new PostgresHealthCheck(postgres), tags: [ServiceDefaults.ReadyTag]);
        }

        if (settings.KafkaBrokers is not null)
        {
            checks.Add(new HealthCheckRegistration("kafka",
                sp => new KafkaHealthCheck(sp.GetRequiredKeyedService<KafkaPublishingStatus>(UserEventStream.Provider)), null, [ServiceDefaults.ReadyTag]));
        }

        return checks;
    }
}
