namespace Grains.Interfaces.Users;

public enum LoginTicketStatus
{
    /// <summary>The caller may check the password against <see cref="LoginTicket.PasswordHash"/>.</summary>
    Granted,
    /// <summary>No such (active) user.</summary>
    NotFound,
    /// <summary>Too many failed attempts: wait <see cref="LoginTicket.RetryAfter"/>.</summary>
    Throttled,
    /// <summary>As many checks are running as failures are still free: ask again once they are decided.</summary>
    Busy,
}

/// <summary>
/// Permission to make one password guess. The grain counts a failure when the caller reports one (or never
/// reports), and grants no more checks at once than failures are still free, so parallel guesses cannot
/// overshoot the count while the owner's own parallel logins with the right password all pass.
/// <see cref="CredentialVersion"/> is the security stamp the hash belongs to: a session opened on this
/// ticket is confirmed against it, and a rehash is stored only over <see cref="PasswordHash"/>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record LoginTicket(
    [property: Id(0)] LoginTicketStatus Status,
    [property: Id(1)] string? PasswordHash = null,
    [property: Id(2)] TimeSpan RetryAfter = default,
    [property: Id(3)] long CredentialVersion = 0);
