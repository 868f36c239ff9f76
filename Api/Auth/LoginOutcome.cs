namespace Api.Auth;

/// <summary>How a login ended, for the endpoint to translate into HTTP.</summary>
public enum LoginStatus
{
    Succeeded,
    InvalidCredentials,
    Throttled,
}

public sealed record LoginOutcome(LoginStatus Status, TokenResponse? Tokens = null, TimeSpan RetryAfter = default);
