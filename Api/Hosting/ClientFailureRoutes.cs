using System.Globalization;
using Api.Http;

namespace Api.Hosting;

/// <summary>Puts a route under <see cref="ClientFailureLimit"/>: refused with 429 while the client's limit is full.</summary>
public static class ClientFailureRoutes
{
    /// <summary>A credential check that failed: a wrong password or code, or input that could not be checked.</summary>
    public static bool Failed(int status) => status is StatusCodes.Status400BadRequest or StatusCodes.Status401Unauthorized;

    /// <summary>Every request of the route counts (registrations, reset requests).</summary>
    public static RouteHandlerBuilder CountedPerClientAlways(this RouteHandlerBuilder route) => route.CountedPerClient(_ => true);

    /// <summary>Only answers <paramref name="counts"/> picks count (a login counts when it fails).</summary>
    public static RouteHandlerBuilder CountedPerClient(this RouteHandlerBuilder route, Func<int, bool> counts) =>
        route.WithMetadata(ClientFailureLimited.Instance).AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var limit = http.RequestServices.GetRequiredService<ClientFailureLimit>();
            var client = ClientAddress.Bucket(http) ?? "unknown";
            if (!limit.TryBegin(client, out var retryAfter))
            {
                http.RequestServices.GetRequiredService<AuthMetrics>().RateLimited();
                http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                return ApiProblems.Problem(
                    StatusCodes.Status429TooManyRequests,
                    "rate_limited",
                    $"Too many failed or account-creating requests from this client; retry in {Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture)} s.");
            }

            var counted = true;
            try
            {
                var result = await next(context);
                counted = counts(StatusOf(result));
                return result;
            }
            finally
            {
                // A request that threw counts, as a failure would.
                limit.End(client, counted);
            }
        });

    private static int StatusOf(object? result)
    {
        while (result is INestedHttpResult nested)
        {
            result = nested.Result;
        }

        return result is IStatusCodeHttpResult { StatusCode: { } status } ? status : StatusCodes.Status200OK;
    }
}
