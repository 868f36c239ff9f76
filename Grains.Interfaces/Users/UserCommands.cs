namespace Grains.Interfaces.Users;

/// <summary>
/// Registers a user. The password arrives already hashed: hashing runs in the front end tier; so does the
/// verification token, of which only the hash travels. <see cref="EmailVerified"/> is for an address the
/// operator configured (the first admin), which no mail needs to prove.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CreateUser(
    [property: Id(0)] string Name,
    [property: Id(1)] string Email,
    [property: Id(2)] string PasswordHash,
    [property: Id(3)] IReadOnlyList<string> Permissions,
    [property: Id(4)] string? VerificationTokenHash = null,
    [property: Id(5)] bool EmailVerified = false);

/// <summary>
/// A partial update: null members are left as they are. When the password changes, every session
/// of the user except <see cref="KeepSessionId"/> is revoked, unless <see cref="KeepOtherSessions"/>.
/// A new email is unverified; <see cref="VerificationTokenHash"/> is the token mailed to it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record UpdateUser(
    [property: Id(0)] string? Name = null,
    [property: Id(1)] string? Email = null,
    [property: Id(2)] string? PasswordHash = null,
    [property: Id(3)] IReadOnlyList<string>? Permissions = null,
    [property: Id(4)] long? ExpectedVersion = null,
    [property: Id(5)] Guid? KeepSessionId = null,
    [property: Id(6)] bool KeepOtherSessions = false,
    [property: Id(7)] string? VerificationTokenHash = null);

public enum UserWriteStatus
{
    Ok,
    NotFound,
    AlreadyExists,
    EmailTaken,
    VersionMismatch,
}

[GenerateSerializer, Immutable]
public sealed record UserWriteResult([property: Id(0)] UserWriteStatus Status, [property: Id(1)] UserView? User = null)
{
    public static UserWriteResult Of(UserWriteStatus status) => new(status);
}
