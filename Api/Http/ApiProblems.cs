using Microsoft.AspNetCore.Http.HttpResults;

namespace Api.Http;

/// <summary>
/// The problem-details answers the API gives, each with a stable <c>code</c> clients can switch on.
/// </summary>
public static class ApiProblems
{
    public static ProblemHttpResult InvalidCredentials() =>
        Problem(StatusCodes.Status401Unauthorized, "invalid_credentials", "Invalid email or password.");

    public static ProblemHttpResult InvalidRefreshToken() =>
        Problem(StatusCodes.Status401Unauthorized, "invalid_refresh_token", "The refresh token is invalid, expired or revoked.");

    public static ProblemHttpResult Unauthenticated() =>
        Problem(StatusCodes.Status401Unauthorized, "unauthenticated", "A valid bearer token for a live session is required.");

    public static ProblemHttpResult Forbidden(string detail) =>
        Problem(StatusCodes.Status403Forbidden, "forbidden", detail);

    public static ProblemHttpResult NotFound(string detail) =>
        Problem(StatusCodes.Status404NotFound, "not_found", detail);

    public static ProblemHttpResult EmailTaken() =>
        Problem(StatusCodes.Status409Conflict, "email_taken", "This email address is already registered.");

    public static ProblemHttpResult VersionMismatch() =>
        Problem(StatusCodes.Status412PreconditionFailed, "version_mismatch", "The user changed since the version named in If-Match; fetch it again.");

    public static ProblemHttpResult PasswordMismatch() =>
        Problem(StatusCodes.Status400BadRequest, "password_mismatch", "currentPassword does not match.");

    public static ProblemHttpResult EmailNotVerified() =>
        Problem(StatusCodes.Status403Forbidden, "email_not_verified", "Verify your email address first: follow the link in the mail (a new one is sent at most once a minute).");

    public static ProblemHttpResult TokenGone() =>
        Problem(StatusCodes.Status410Gone, "token_gone", "The token is unknown, used, expired or superseded; ask for a new mail.");

    public static ProblemHttpResult InvalidCode() =>
        Problem(StatusCodes.Status401Unauthorized, "invalid_code", "The code is wrong, expired or already used.");

    public static ProblemHttpResult InvalidMfaTicket() =>
        Problem(StatusCodes.Status401Unauthorized, "invalid_mfa_ticket", "The MFA ticket is unknown, used or expired; log in again.");

    public static ProblemHttpResult Conflict(string code, string detail) =>
        Problem(StatusCodes.Status409Conflict, code, detail);

    public static ProblemHttpResult Throttled(HttpContext http, TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problem(StatusCodes.Status429TooManyRequests, "too_many_attempts", $"Too many failed attempts; retry in {seconds} s.");
    }

    /// <summary>The code for answers the framework produces itself (unknown route, wrong method, wrong media type).</summary>
    public static string CodeFor(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "bad_request",
        StatusCodes.Status401Unauthorized => "unauthenticated",
        StatusCodes.Status403Forbidden => "forbidden",
        StatusCodes.Status404NotFound => "not_found",
        StatusCodes.Status405MethodNotAllowed => "method_not_allowed",
        StatusCodes.Status413PayloadTooLarge => "body_too_large",
        StatusCodes.Status410Gone => "gone",
        StatusCodes.Status415UnsupportedMediaType => "unsupported_media_type",
        StatusCodes.Status429TooManyRequests => "too_many_requests",
        StatusCodes.Status503ServiceUnavailable => "unavailable",
        _ => "error",
    };

    public static ProblemHttpResult Problem(int status, string code, string detail) =>
        TypedResults.Problem(
            statusCode: status,
            detail: detail,
            type: $"https://httpstatuses.io/{status}",
            extensions: new Dictionary<string, object?> { ["code"] = code });
}
