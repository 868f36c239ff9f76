using Grains.Interfaces.Users;

namespace Api.Auth;

/// <summary>How a login ended, for the endpoint to translate into HTTP.</summary>
public enum LoginStatus
{
    Succeeded,
    InvalidCredentials,
    Throttled,
    /// <summary>The password was right and a second factor is on: the answer is a ticket for /auth/login/mfa.</summary>
    MfaRequired,
    /// <summary>The password was right but REQUIRE_VERIFIED_EMAIL is set and the address is not verified.</summary>
    EmailNotVerified,
}

/// <summary><paramref name="CredentialVersion"/>: the security stamp a succeeded password check was made against.</summary>
public sealed record LoginOutcome(
    LoginStatus Status, TokenResponse? Tokens = null, TimeSpan RetryAfter = default, MfaChallengeResponse? Challenge = null, long CredentialVersion = 0, UserView? User = null);
