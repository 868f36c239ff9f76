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
    public static WebApplication UseFrontEnd(this WebApplication app)
    {
        app.UseSecurityHeaders();
        app.UseConnectionCloseForOversizedBodies();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseUtf8JsonBodies();
        return app;
    }

    public static WebApplication MapFrontEnd(this WebApplication app, ApiSettings settings, DeploymentSettings deployment, IEmbeddedSilo? embeddedSilo)
    {
        app.MapOperationalEndpoints();
        app.MapOpenApi();
        app.MapScalarApiReference();
        var restrictByPort = settings.Role == ApiRole.All && !settings.UrlsOverridden;
        if (settings.ServesAuth)
        {
            var auth = app.MapAuthApi();
            var account = app.MapAccountAuthApi();
            var discovery = app.MapDiscoveryApi();
            if (restrictByPort)
            {
                auth.RequireHost($"*:{settings.AuthPort}");
                account.RequireHost($"*:{settings.AuthPort}");
                discovery.RequireHost($"*:{settings.AuthPort}");
            }
        }

        if (settings.ServesUsers)
        {
            var users = app.MapUsersApi();
            var account = app.MapAccountUsersApi();
            if (restrictByPort)
            {
                users.RequireHost($"*:{settings.UserPort}");
                account.RequireHost($"*:{settings.UserPort}");
            }
        }

        // The embedded silo's own endpoint: what a standalone silo serves on SILO_HTTP_PORT.
        embeddedSilo?.Map(app, deployment);

        return app;
    }
}
