using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration.Memory;
using OpenTelemetry.Metrics;
using Hosting.Configuration;
using Hosting.Health;

namespace Hosting;

/// <summary>What every host in the system serves the same way: configuration sources and health endpoints.</summary>
public static class ServiceDefaults
{
    public const string ReadyTag = "ready";

    /// <summary>
    /// Reads the folder's <c>.env</c> (values already in the environment win), then the usual ASP.NET Core sources.
    /// </summary>
    public static void LoadDotEnv()
    {
        var path = Path.Combine(Directory.GetCurrentDirectory(), ".env");
        if (File.Exists(path))
        {
            DotNetEnv.Env.NoClobber().Load(path);
        }
    }

    /// <summary>
    /// Framework chatter (a line per request from ASP.NET Core, Orleans' and Polly's routine messages) from
    /// warnings up; this system's own logs, the audit lines included, from information up. Added as the
    /// first configuration source, so <c>Logging__LogLevel__…</c> variables still override each level.
    /// ASP.NET Core's request logger writes nothing above Information, but while it is enabled at all it opens a log
    /// scope and starts an <see cref="System.Diagnostics.Activity"/> for every request (about 0.5 KB of garbage each,
    /// a tenth of an authenticated read): it is off; tracing, when an operator adds it, starts its own activities.
    /// </summary>
    public static void AddLogLevelDefaults(this IConfigurationManager configuration) =>
        configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Information",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
                ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "None",
                ["Logging:LogLevel:Orleans"] = "Warning",
                ["Logging:LogLevel:Polly"] = "Warning",
                ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
            },
        });

    public static IHealthChecksBuilder AddDependencyHealthChecks(this IServiceCollection services, DeploymentSettings settings)
    {
        var checks = services.AddHealthChecks()
            .AddCheck<ClusterHealthCheck>("cluster", tags: [ReadyTag]);
        if (settings.RedisConnection is { } redis)
        {
            checks.AddCheck("redis", new RedisHealthCheck(redis), tags: [ReadyTag]);
        }

        return checks;
    }

    /// <summary>OpenTelemetry metrics (HTTP server, Orleans, the .NET runtime's GC and thread pool, and the given meters), scraped at /metrics.</summary>
    public static IServiceCollection AddMetrics(this IServiceCollection services, params string[] meters)
    {
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddAspNetCoreInstrumentation()
            .AddMeter("Microsoft.Orleans")
            // The runtime's own meter (GC pauses, allocations, thread pool): what bench/ reads to tell GC from other costs.
            .AddMeter("System.Runtime")
            .AddMeter(meters)
            .AddPrometheusExporter());
        return services;
    }

    /// <summary>
    /// /health/live, /health/ready and /metrics; with <paramref name="metricsPort"/>, /metrics only on that port
    /// (a front end's management port, never its public API ports).
    /// </summary>
    public static IEndpointRouteBuilder MapOperationalEndpoints(this IEndpointRouteBuilder app, int? metricsPort = null, bool metrics = true)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag) });
        if (metrics)
        {
            var scrape = app.MapPrometheusScrapingEndpoint();
            if (metricsPort is { } port)
            {
                scrape.RequireListeningPort(port);
            }
        }

        return app;
    }
}
