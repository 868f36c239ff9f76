namespace Api.Http;

/// <summary>The headers every answer of the API carries, whatever produced it.</summary>
public static class SecurityHeaders
{
    /// <summary>
    /// Adds the headers when the response starts rather than when the request arrives: the exception
    /// handler clears the headers of a failed response, and status-code pages write their own.
    /// </summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((http, next) =>
        {
            http.Response.OnStarting(static state =>
            {
                var http = (HttpContext)state;
                var headers = http.Response.Headers;

                // JSON only: a browser must never sniff an answer into HTML or script.
                headers.XContentTypeOptions = "nosniff";

                // An answer to a bearer request is that user's: no shared or browser cache may keep it.
                if (http.Request.Headers.Authorization.Count > 0)
                {
                    headers.CacheControl = "no-store";
                }

                // The HTML pages (the OpenAPI reference, the dashboard) must not be framed by another site (clickjacking).
                if (http.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true)
                {
                    headers.ContentSecurityPolicy = "frame-ancestors 'none'";
                    headers.XFrameOptions = "DENY";
                }

                return Task.CompletedTask;
            }, http);
            return next(http);
        });
}
