using System.Globalization;
using System.Threading.RateLimiting;
using Api.Http;
using Microsoft.AspNetCore.RateLimiting;

namespace Api.Hosting;

/// <summary>
/// Per-client-address limit on the routes that take credentials or create accounts, in front of the
/// per-account throttle the user grain keeps: one stops a client spraying many accounts, the other
/// many clients hammering one account.
/// </summary>
public static class ClientRateLimit
{
    public const string Policy = "per-client";

    /// <summary>The routes that make the service send mail (forgot-password, resend): far fewer a client may call.</summary>
    public const string MailPolicy = "per-client-mail";

    public static RateLimitPartition<string> For(HttpContext http, int permitsPerMinute) => For(http, permitsPerMinute, TimeSpan.FromMinutes(1));

    public static RateLimitPartition<string> For(HttpContext http, int permits, TimeSpan window) =>
        RateLimitPartition.GetFixedWindowLimiter(
            ClientAddress.Of(http) ?? "unknown",
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
