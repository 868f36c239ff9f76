using Grains;
using Hosting;
using Hosting.Configuration;
using Silo.Health;
using Streaming.Kafka;

namespace Silo.Hosting;

/// <summary>
/// A standalone silo with its own web endpoint (SILO_HTTP_PORT): health, and the Orleans Dashboard.
/// </summary>
public static class SiloHost
{
    /// <summary>Builds the silo; throws <see cref="ConfigurationException"/> for a bad setting.</summary>
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        builder.Configuration.AddLogLevelDefaults();
        var settings = DeploymentSettings.From(builder.Configuration);
        builder.WebHost.ConfigureKestrel(k => k.ListenAnyIP(settings.SiloHttpPort));
        builder.UseOrleans(silo => silo.ConfigureAuthSilo(settings));
        builder.Services.AddDependencyHealthChecks(settings).AddSiloStoreChecks(settings);
        builder.Services.AddMetrics(GrainMetrics.MeterName, KafkaStreamMetrics.MeterName);

        var app = builder.Build();
        app.Logger.LogInformation("Silo starting: {Topology}", SiloSetup.Describe(settings));
        if (settings.PersistsNothing)
        {
            app.Logger.LogWarning("No REDIS_HOST or POSTGRES_HOST: users and sessions are kept in memory and NOTHING IS PERSISTED");
        }

        app.MapOperationalEndpoints();
        app.MapDashboard(settings);
        return app;
    }
}
