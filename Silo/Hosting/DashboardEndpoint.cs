using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Orleans.Dashboard;
using Hosting.Configuration;

namespace Silo.Hosting;

/// <summary>
/// Serves the Orleans Dashboard under /dashboard. Open in embedded mode (a developer's machine);
/// in a cluster it sits behind HTTP basic authentication with DASHBOARD_USERNAME and
/// DASHBOARD_PASSWORD, and without them it is not served at all.
/// </summary>
public static class DashboardEndpoint
{
    public const string Path = "/dashboard";

    /// <summary>
    /// Whether this silo serves the dashboard: in embedded mode, or with credentials. Only then does it collect the
    /// dashboard's statistics, whose filter wraps every grain call.
    /// </summary>
    public static bool Served(DeploymentSettings settings) => settings.RedisConnection is null || settings.DashboardCredentials is not null;

    /// <param name="onlyOnPort">The port the dashboard answers on; other ports (a front end's API ports) get a 404.</param>
    public static void MapDashboard(this WebApplication app, DeploymentSettings settings, int? onlyOnPort = null)
    {
        if (onlyOnPort is { } port)
        {
            app.UseWhen(
                http => http.Request.Path.StartsWithSegments(Path) && http.Connection.LocalPort != port,
                branch => branch.Run(http =>
                {
                    http.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
                }));
        }

        var embedded = settings.RedisConnection is null;
        if (!Served(settings))
        {
            app.Logger.LogWarning("The Orleans Dashboard is off: set DASHBOARD_USERNAME and DASHBOARD_PASSWORD to serve it at {Path}", Path);
            return;
        }

        // Served outside embedded mode means credentials are set.
        if (!embedded && settings.DashboardCredentials is { } credentials)
        {
            var expected = SHA256.HashData(Encoding.UTF8.GetBytes($"{credentials.Username}:{credentials.Password}"));
            app.UseWhen(http => http.Request.Path.StartsWithSegments(Path), branch => branch.Use(async (http, next) =>
            {
                if (Presented(http) is { } presented && CryptographicOperations.FixedTimeEquals(SHA256.HashData(presented), expected))
                {
                    await next(http);
                    return;
                }

                http.Response.StatusCode = StatusCodes.Status401Unauthorized;
                http.Response.Headers.WWWAuthenticate = "Basic realm=\"Orleans Dashboard\", charset=\"UTF-8\"";
            }));
        }

        app.MapOrleansDashboard(routePrefix: Path);
    }

    private static byte[]? Presented(HttpContext http)
    {
        if (!AuthenticationHeaderValue.TryParse(http.Request.Headers.Authorization, out var header)
            || !"Basic".Equals(header.Scheme, StringComparison.OrdinalIgnoreCase)
            || header.Parameter is null)
        {
            return null;
        }

        var buffer = new byte[header.Parameter.Length];
        return Convert.TryFromBase64String(header.Parameter, buffer, out var written) ? buffer[..written] : null;
    }
}
