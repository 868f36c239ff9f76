using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Hosting;

/// <summary>
/// Binds endpoints to the port a request arrived on (the connection's local port), not to its Host header,
/// which any client writes as it likes: an API route, <c>/metrics</c> or the dashboard answers only on its port.
/// </summary>
public static class ListeningPort
{
    private sealed record Only(int Port);

    public static TBuilder RequireListeningPort<TBuilder>(this TBuilder endpoints, int port)
        where TBuilder : IEndpointConventionBuilder =>
        endpoints.WithMetadata(new Only(port));

    /// <summary>A request for an endpoint bound to another port gets the 404 an unknown path gets.</summary>
    public static IApplicationBuilder UseListeningPorts(this IApplicationBuilder app) =>
        app.Use((http, next) =>
        {
            if (http.GetEndpoint()?.Metadata.GetMetadata<Only>() is { } only && only.Port != http.Connection.LocalPort)
            {
                http.SetEndpoint(null);
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            return next(http);
        });
}
