using System.Text.Json;
using Grains.Interfaces;
using Microsoft.AspNetCore.Diagnostics;
using Orleans.Runtime.Messaging;
using Hosting;

namespace Api.Http;

/// <summary>
/// Turns what a client can cause (a malformed body, a wrong content type, an oversized request) into
/// a 4xx problem, and a cluster that cannot be reached into a 503; anything else is a 500 without details.
/// </summary>
public sealed class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        var (status, code, detail) = exception switch
        {
            BadHttpRequestException { InnerException: JsonException json } =>
                (StatusCodes.Status400BadRequest, "malformed_body", DescribeJsonError(json)),
            BadHttpRequestException bad =>
                (bad.StatusCode, "bad_request", bad.StatusCode switch
                {
                    StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
                    StatusCodes.Status415UnsupportedMediaType => "The request body must be JSON (Content-Type: application/json).",
                    _ => "The request could not be read: a JSON body is required.",
                }),
            _ when IsUnavailable(exception) =>
                (StatusCodes.Status503ServiceUnavailable, "unavailable", "The service is temporarily unavailable; retry shortly."),
            _ => (StatusCodes.Status500InternalServerError, "internal_error", "An unexpected error occurred."),
        };

        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            http.Response.Headers.RetryAfter = "2";
            logger.LogWarning("Request {Method} {Path} answered 503: {Reason}", http.Request.Method, http.Request.Path, exception.Message);
        }
        else if (status >= 500)
        {
            logger.LogError(exception, "Request {Method} {Path} failed", http.Request.Method, http.Request.Path);
        }

        http.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = exception,
            ProblemDetails =
            {
                Status = status,
                Type = $"https://httpstatuses.io/{status}",
                Detail = detail,
                Extensions = { ["code"] = code },
            },
        });
    }

    // The cluster or a store behind it cannot answer now. StorageOutage covers a grain whose state could not be
    // read while a store was down: Orleans rejects its activation with the driver's own error. A connection to
    // a gateway that died (its silo killed, and no other gateway yet) fails with ConnectionFailedException, and
    // may arrive wrapped; a cluster that cannot be reached is a 503 like a store that cannot.
    private static bool IsUnavailable(Exception e) =>
        e is DependencyUnavailableException or SiloUnavailableException or OrleansMessageRejectionException or TimeoutException
            or ConnectionFailedException or GatewayTooBusyException
        || StorageOutage.IsOutage(e)
        || (e.InnerException is { } inner && IsUnavailable(inner));

    // The serializer's own message names .NET types; say what is wrong in the client's terms.
    private static string DescribeJsonError(JsonException json)
    {
        var where = string.IsNullOrEmpty(json.Path) || json.Path == "$" ? "" : $" at {json.Path}";
        return json.Message.Contains("could not be mapped", StringComparison.Ordinal)
            ? $"The body has a field this route does not accept{where}."
            : $"The body is not valid JSON for this route{where}.";
    }
}
