using System.Globalization;
using System.Threading.RateLimiting;
using Api.Http;
using Microsoft.AspNetCore.RateLimiting;

namespace Api.Hosting;

/// <summary>
/// Per-client-address limit on every request of refresh, update and email verification, and on the
/// mail-sending routes; failed logins, registrations and reset requests are counted by
/// <see cref="ClientFailureLimit"/> instead, so successful logins never use up a client's allowance.
/// </summary>
public static class ClientRateLimit
{
    public const string Policy = "per-client";

    /// <summary>The routes that make the service send mail (forgot-password, resend): far fewer a client may call.</summary>
    public const string MailPolicy = "per-client-mail";

    public static RateLimitPartition<string> For(HttpContext http, int permitsPerMinute) => For(http, permitsPerMinute, TimeSpan.FromMinutes(1));

    public static RateLimitPartition<string> For(HttpContext http, int permits, TimeSpan window) =>
        RateLimitPartition.GetFixedWindowLimiter(
            ClientAddress.Bucket(http) ?? "unknown",
            _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = permits,
                Window = window,
                QueueLimit = 0,
            });

    public static async ValueTask Reject(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
        http.RequestServices.GetRequiredService<AuthMetrics>().RateLimited();
        var problem = ApiProblems.Problem(
            StatusCodes.Status429TooManyRequests,
            "rate_limited",
            $"Too many requests from this client; retry in {Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture)} s.");
        http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        await problem.ExecuteAsync(http);
    }
}
