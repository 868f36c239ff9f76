using System.Diagnostics.Metrics;

namespace Api.Hosting;

/// <summary>The front end's own counters, exported with the rest at /metrics.</summary>
public sealed class AuthMetrics
{
    public const string MeterName = "Auth.Api";

    private readonly Counter<long> _logins;
    private readonly Counter<long> _refreshes;
    private readonly Counter<long> _rateLimited;

    public AuthMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _logins = meter.CreateCounter<long>("auth.logins", description: "Login attempts by outcome");
        _refreshes = meter.CreateCounter<long>("auth.refreshes", description: "Refresh-token uses by outcome");
        _rateLimited = meter.CreateCounter<long>("auth.rate_limited", description: "Requests refused by the per-client rate limit");
    }

    public void Login(string outcome) => _logins.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Refresh(string outcome) => _refreshes.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void RateLimited() => _rateLimited.Add(1);
}
