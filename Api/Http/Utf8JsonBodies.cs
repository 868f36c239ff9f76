using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Net.Http.Headers;

namespace Api.Http;

/// <summary>
/// JSON bodies must be UTF-8 (RFC 8259 §8.1). Left to the framework, a charset it does not know
/// ("bogus", or a quoted "utf-8") throws while binding and became a 500; any charset but UTF-8 is
/// refused here with a 415 before the body is read.
/// </summary>
public static class Utf8JsonBodies
{
    public static IApplicationBuilder UseUtf8JsonBodies(this IApplicationBuilder app) =>
        app.Use((http, next) =>
        {
            if (http.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>() is not null
                && MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var type)
                && type.Charset.HasValue
                && !type.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
            {
                return ApiProblems.Problem(
                        StatusCodes.Status415UnsupportedMediaType,
                        "unsupported_media_type",
                        "JSON bodies are UTF-8: send Content-Type: application/json, with no other charset.")
                    .ExecuteAsync(http);
            }

            return next(http);
        });
}
