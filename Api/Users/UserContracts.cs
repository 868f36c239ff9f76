using System.Text.Json.Serialization;
using Grains.Interfaces.Users;

namespace Api.Users;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateUserRequest(string? Name, string? Email, string? Password, List<string?>? Permissions);

/// <summary>
/// Every member is optional; what is absent stays as it is. A new password ends the user's other
/// sessions unless <c>endOtherSessions</c> is false (an admin's reset always ends all of them).
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record UpdateUserRequest(
    string? Name, string? Email, string? Password, string? CurrentPassword, List<string?>? Permissions, bool? EndOtherSessions = null);

public sealed record UserListResponse(IReadOnlyList<UserResponse> Items, int Page, int PageSize, long Total);

public sealed record UserResponse(
    Guid Id,
    string Name,
    string Email,
    IReadOnlyList<string> Permissions,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long Version,
    bool EmailVerified,
    bool MfaEnabled)
{
    public static UserResponse From(UserView user) =>
        new(user.Id, user.Name, user.Email, user.Permissions, user.CreatedAt, user.UpdatedAt, user.Version, user.EmailVerified, user.MfaEnabled);
}
