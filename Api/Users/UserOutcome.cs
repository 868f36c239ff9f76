using Grains.Interfaces.Users;

namespace Api.Users;

/// <summary>How a user operation ended, for the endpoint to translate into HTTP.</summary>
public enum UserOutcomeStatus
{
    Ok,
    Unauthenticated,
    Forbidden,
    NotFound,
    EmailTaken,
    VersionMismatch,
    PasswordMismatch,
    Throttled,
}

public sealed record UserOutcome(UserOutcomeStatus Status, UserView? User = null, string? Reason = null, TimeSpan RetryAfter = default)
{
    public static UserOutcome Forbidden(string reason) => new(UserOutcomeStatus.Forbidden, Reason: reason);
}
