using Grains.Interfaces.Users;
using Grains.Users.Account;

namespace Grains.Users;

[GenerateSerializer]
public sealed class UserState
{
    [Id(0)] public string Name { get; set; } = "";
    [Id(1)] public string Email { get; set; } = "";
    [Id(2)] public string PasswordHash { get; set; } = "";
    [Id(3)] public List<string> Permissions { get; set; } = [];
    [Id(4)] public DateTimeOffset CreatedAt { get; set; }
    [Id(5)] public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>0 until the user is created; then bumped by every change (the HTTP ETag).</summary>
    [Id(6)] public long Version { get; set; }

    [Id(7)] public DateTimeOffset? DeactivatedAt { get; set; }

    /// <summary>
    /// Events of writes already stored but not yet published, oldest first: recorded in the same
    /// storage write as the change itself (an outbox), removed once the stream accepted them.
    /// </summary>
    [Id(8)] public List<UserEvent> Outbox { get; set; } = [];

    /// <summary>The sequence number of the user's latest event: one per event, so consumers can tell each apart.</summary>
    [Id(9)] public long EventSequence { get; set; }

    /// <summary>
    /// The security stamp: bumped by every change that must end logins checked against the old
    /// credentials (password, email, deactivation). A login's ticket and its session carry it.
    /// </summary>
    [Id(10)] public long CredentialVersion { get; set; }

    /// <summary>
    /// Sessions a stored change decided to revoke and that are not all revoked yet: written with the
    /// change, so the revocation is finished by a later activation when this one dies first.
    /// </summary>
    [Id(11)] public PendingRevocation? PendingRevocation { get; set; }

    /// <summary>Failed password guesses: stored, so that deactivating the grain or losing its silo does not reset them.</summary>
    [Id(12)] public GuessRecord Guesses { get; set; } = new();
    /// <summary>Verification, reset and second factor (docs/contract.md, Account lifecycle). A high id, clear of the fields above as they grow.</summary>
    [Id(20)] public AccountState Account { get; set; } = new();

    public bool IsActive => Version > 0 && DeactivatedAt is null;
}
