using Api.Hosting;
using EmbeddedHost;
using Grains;
using Hosting;
using Hosting.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Silo.Hosting;

namespace TestSupport;

/// <summary>
/// Starts the real silo and front-end hosts in this process, configured exactly as the processes
/// are (variables of docs/contract.md, Configuration), listening on real loopback ports.
/// </summary>
public static class Hosts
{
    /// <param name="services">Registrations made before the host's own, which then keep them (an older stored format, say).</param>
    public static async Task<WebApplication> StartSilo(
        IDictionary<string, string?> settings, LogCapture? logs = null, Action<IServiceCollection>? services = null)
    {
        var builder = Builder(settings, logs);
        services?.Invoke(builder.Services);
        var app = SiloHost.Build(builder);
        await app.StartAsync();
        return app;
    }

    /// <param name="services">Registrations made before the host's own, which then keep them (a keyed test clock, say).</param>
    public static async Task<WebApplication> StartApi(
        IDictionary<string, string?> settings, LogCapture? logs = null, Action<IServiceCollection>? services = null)
    {
        var builder = Builder(settings, logs);
        services?.Invoke(builder.Services);
        var app = ApiHost.Build(builder);
        await app.StartAsync();
        return app;
    }

    /// <summary>Both front ends with the silo inside, as <c>dotnet run --project EmbeddedHost</c> runs them.</summary>
    public static async Task<WebApplication> StartEmbedded(IDictionary<string, string?> settings, LogCapture? logs = null)
    {
        var app = ApiHost.Build(Builder(settings, logs), new EmbeddedSilo());
        await app.StartAsync();
        return app;
    }

    /// <summary>
    /// A plain Orleans client of the cluster the settings name, as the front ends use, that can also
    /// subscribe to the users' events (memory streams, as the silos carry them without Kafka).
    /// </summary>
    public static async Task<IHost> StartClient(IDictionary<string, string?> settings)
    {
        var deployment = DeploymentSettings.From(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        var host = Host.CreateDefaultBuilder()
            .UseOrleansClient(client => client.ConfigureAuthClient(deployment).AddMemoryStreams(UserEventStream.Provider))
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>A silo's own settings: fresh ports for silo traffic, gateway and web endpoint.</summary>
    public static Dictionary<string, string?> WithSiloPorts(this IDictionary<string, string?> settings) => new(settings)
    {
        ["SILO_PORT"] = FreePort.Next().ToString(),
        ["GATEWAY_PORT"] = FreePort.Next().ToString(),
        ["SILO_HTTP_PORT"] = FreePort.Next().ToString(),
    };

    public static Dictionary<string, string?> With(this IDictionary<string, string?> settings, params (string Key, string? Value)[] more)
    {
        var result = new Dictionary<string, string?>(settings);
        foreach (var (key, value) in more)
        {
            result[key] = value;
        }

        return result;
    }

    private static WebApplicationBuilder Builder(IDictionary<string, string?> settings, LogCapture? logs)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Production",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Orleans"] = "Error",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        if (logs is not null)
        {
            // Far more than the console shows: a secret written at Debug would still reach a log store
            // configured more verbosely. Orleans' own chatter stays at Information.
            builder.Logging.AddProvider(logs);
            builder.Logging.AddFilter<LogCapture>(null, LogLevel.Debug);
            builder.Logging.AddFilter<LogCapture>("Orleans", LogLevel.Information);
        }

        return builder;
    }
}
