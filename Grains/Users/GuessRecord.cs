namespace Grains.Users;

/// <summary>An account's failed password guesses, stored with the user so a deactivation or failover does not reset them.</summary>
[GenerateSerializer]
public sealed class GuessRecord
{
    [Id(0)] public int Failures { get; set; }
    [Id(1)] public DateTimeOffset BlockedUntil { get; set; }
}
