namespace Grains.Interfaces.Users;

/// <summary>What the cluster tells callers about a user; never carries the password hash.</summary>
[GenerateSerializer, Immutable]
public sealed record UserView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string Email,
    [property: Id(3)] IReadOnlyList<string> Permissions,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] DateTimeOffset UpdatedAt,
    [property: Id(6)] long Version,
    [property: Id(7)] bool EmailVerified = false,
    [property: Id(8)] bool MfaEnabled = false)
{
    public bool IsAdmin => Permissions.Contains(Permission.Admin);
}
