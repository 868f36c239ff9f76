using Grains.Interfaces.Users;

namespace Grains.Interfaces.Account;

public enum AccountStatus
{
    Ok,
    /// <summary>No active user.</summary>
    NotFound,
    /// <summary>A mailed token that is unknown, used, expired or superseded.</summary>
    TokenGone,
    /// <summary>A second-factor code that does not match, or was already used.</summary>
    InvalidCode,
    /// <summary>An MFA ticket that is unknown, spent or expired.</summary>
    InvalidTicket,
    /// <summary>No TOTP setup is pending, or TOTP is not on.</summary>
    NotPending,
    Throttled,
}

[GenerateSerializer, Immutable]
public sealed record AccountResult(
    [property: Id(0)] AccountStatus Status,
    [property: Id(1)] UserView? User = null,
    [property: Id(2)] IReadOnlyList<string>? RecoveryCodes = null,
    [property: Id(3)] TimeSpan RetryAfter = default,
    [property: Id(4)] long CredentialVersion = 0)
{
    public static AccountResult Of(AccountStatus status) => new(status);
}

/// <summary>Where a freshly issued token is to be mailed; no address means nothing is sent.</summary>
[GenerateSerializer, Immutable]
public sealed record MailTokenIssue(
    [property: Id(0)] string? Email,
    [property: Id(1)] string? Name = null,
    [property: Id(2)] TimeSpan RetryAfter = default)
{
    public static readonly MailTokenIssue Nothing = new((string?)null);
}
