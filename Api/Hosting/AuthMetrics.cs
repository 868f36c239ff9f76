using System.Diagnostics.Metrics;

namespace Api.Hosting;

/// <summary>The front end's own counters, exported with the rest at /metrics.</summary>
public sealed class AuthMetrics
{
    public const string MeterName = "Auth.Api";

    private readonly Counter<long> _logins;
    private readonly Counter<long> _refreshes;
    private readonly Counter<long> _rateLimited;
    private readonly Counter<long> _accessTokens;

    public AuthMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _logins = meter.CreateCounter<long>("auth.logins", description: "Login attempts by outcome");
        _refreshes = meter.CreateCounter<long>("auth.refreshes", description: "Refresh-token uses by outcome");
        _rateLimited = meter.CreateCounter<long>("auth.rate_limited", description: "Requests refused by the per-client rate limit");
        _accessTokens = meter.CreateCounter<long>(
            "auth.access_tokens", description: "Bearer tokens checked in full (signature included) or accepted on a remembered verdict");
    }

    public void Login(string outcome) => _logins.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Refresh(string outcome) => _refreshes.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void RateLimited() => _rateLimited.Add(1);

    /// <summary>A bearer token validated in full (<paramref name="remembered"/> false) or passed on the verdict of an earlier full check.</summary>
    public void AccessToken(bool remembered) =>
        _accessTokens.Add(1, new KeyValuePair<string, object?>("verdict", remembered ? "remembered" : "checked"));
}
