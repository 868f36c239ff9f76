using Microsoft.AspNetCore.Http.Features;

namespace Api.Http;

/// <summary>
/// Announces "Connection: close" when the request's body may be larger than the body limit. A route
/// that answers without reading its body (a 401 or 403 first, or a GET) leaves the body to Kestrel,
/// which drains it after the answer only up to the limit: past it, Kestrel drops a connection it had
/// just answered as keep-alive, and the next request sent on it (another user's, behind a pooling
/// proxy) gets no answer at all. Saying so in the answer makes the client open a fresh connection.
/// </summary>
public static class UnreadBodies
{
    public static IApplicationBuilder UseConnectionCloseForOversizedBodies(this IApplicationBuilder app) =>
        app.Use((http, next) =>
        {
            var limit = http.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
            var request = http.Request;

            // A chunked body announces no size, so it may be anything.
            var mayExceed = request.ContentLength is { } length ? length > limit : request.Headers.TransferEncoding.Count > 0;
            if (mayExceed)
            {
                http.Response.OnStarting(static state =>
                {
                    ((HttpResponse)state).Headers.Connection = "close";
                    return Task.CompletedTask;
                }, http.Response);
            }

            return next(http);
        });
}
