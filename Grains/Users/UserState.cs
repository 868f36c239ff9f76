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

    /// <summary>Verification, reset and second factor (SPEC §9). A high id, clear of the fields above as they grow.</summary>
    [Id(20)] public AccountState Account { get; set; } = new();

    public bool IsActive => Version > 0 && DeactivatedAt is null;
}
