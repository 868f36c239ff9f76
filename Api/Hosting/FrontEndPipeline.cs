using Api.Account;
using Api.Auth;
using Api.Http;
using Api.OpenApi;
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
        app.MapApiDocuments();
        app.MapScalarApiReference();
        // Each API on its own port, by the port the connection came to (the Host header is the client's to write).
        var restrictByPort = !settings.UrlsOverridden;
        if (settings.ServesAuth)
        {
            // The group name places the routes in the auth port's OpenAPI document (ApiDocuments).
            var auth = app.MapAuthApi().WithGroupName(ApiDocuments.Auth);
            var account = app.MapAccountAuthApi().WithGroupName(ApiDocuments.Auth);
            var discovery = app.MapDiscoveryApi().WithGroupName(ApiDocuments.Auth);
            if (restrictByPort)
            {
                auth.RequireListeningPort(settings.AuthPort);
                account.RequireListeningPort(settings.AuthPort);
                discovery.RequireListeningPort(settings.AuthPort);
            }
        }

        if (settings.ServesUsers)
        {
            var users = app.MapUsersApi().WithGroupName(ApiDocuments.User);
            var account = app.MapAccountUsersApi().WithGroupName(ApiDocuments.User);
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
