using Api.Account;
using Api.Auth;
using Api.Http;
using Api.Tokens;
using Api.Users;
using Hosting;
using Hosting.Configuration;
using Scalar.AspNetCore;

namespace Api.Hosting;

/// <summary>A front end's request pipeline and routes, in the order a request meets them.</summary>
public static class FrontEndPipeline
{
    public static WebApplication UseFrontEnd(this WebApplication app, ApiSettings settings)
    {
        // First: everything after it (limits, session records, logs) sees the client, not the proxy.
        app.UseTrustedProxies(settings.TrustedProxies);
        app.UseSecurityHeaders();
        app.UseConnectionCloseForOversizedBodies();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseListeningPorts();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseUtf8JsonBodies();
        return app;
    }

    public static WebApplication MapFrontEnd(this WebApplication app, ApiSettings settings, DeploymentSettings deployment, IEmbeddedSilo? embeddedSilo)
    {
        // With ASPNETCORE_URLS the ports are the operator's: /metrics is then not served, for it could land on an API port.
        int? metricsPort = embeddedSilo is not null ? deployment.SiloHttpPort : settings.ManagementPort;
        app.MapOperationalEndpoints(metricsPort, metrics: metricsPort is not null && !settings.UrlsOverridden);
        app.MapOpenApi();
        app.MapScalarApiReference();
        // Each API on its own port, by the port the connection came to (the Host header is the client's to write).
        var restrictByPort = !settings.UrlsOverridden;
        if (settings.ServesAuth)
        {
            var auth = app.MapAuthApi();
            var account = app.MapAccountAuthApi();
            var discovery = app.MapDiscoveryApi();
            if (restrictByPort)
            {
                auth.RequireListeningPort(settings.AuthPort);
                account.RequireListeningPort(settings.AuthPort);
                discovery.RequireListeningPort(settings.AuthPort);
            }
        }

        if (settings.ServesUsers)
        {
            var users = app.MapUsersApi();
            var account = app.MapAccountUsersApi();
            if (restrictByPort)
            {
                users.RequireListeningPort(settings.UserPort);
                account.RequireListeningPort(settings.UserPort);
            }
        }

        // The embedded silo's own endpoint: what a standalone silo serves on SILO_HTTP_PORT.
        embeddedSilo?.Map(app, deployment);

        return app;
    }
}
