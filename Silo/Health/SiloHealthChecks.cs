using Hosting;
using Hosting.Configuration;

namespace Silo.Health;

/// <summary>What only a silo talks to, on top of the checks every host has: PostgreSQL and Kafka.</summary>
public static class SiloHealthChecks
{
    public static IHealthChecksBuilder AddSiloStoreChecks(this IHealthChecksBuilder checks, DeploymentSettings settings)
    {
        if (settings.PostgresConnection is { } postgres)
        {
            checks.AddCheck("postgresql", new PostgresHealthCheck(postgres), tags: [ServiceDefaults.ReadyTag]);
        }

        if (settings.KafkaBrokers is { } brokers)
        {
            checks.AddCheck("kafka", new KafkaHealthCheck(brokers, settings.KafkaTopic), tags: [ServiceDefaults.ReadyTag]);
        }

        return checks;
    }
}
