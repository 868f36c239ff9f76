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
                // JSON only: a browser must never sniff an answer into HTML or script.
                ((HttpResponse)state).Headers.XContentTypeOptions = "nosniff";
                return Task.CompletedTask;
            }, http.Response);
            return next(http);
        });
}
