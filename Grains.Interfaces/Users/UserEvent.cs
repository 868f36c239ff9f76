using System.Text.Json;

namespace Grains.Interfaces.Users;

/// <summary>
/// A change to a user, as it travels on the "user-events" stream and Kafka topic (docs/contract.md, User events; the value's JSON
/// Schema is docs/user-event.schema.json). It never carries a password or a hash. <see cref="Version"/> is the
/// user's version after the write (one write may yield several events); <see cref="Sequence"/> counts the user's
/// events, 1, 2, 3..., so a consumer that remembers the last one it applied can skip a redelivered event.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record UserEvent(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Type,
    [property: Id(2)] Guid UserId,
    [property: Id(3)] long Version,
    [property: Id(6)] long Sequence,
    [property: Id(4)] DateTimeOffset OccurredAt,
    [property: Id(5)] UserEventData Data)
{
    public const string Created = "user.created";
    public const string Updated = "user.updated";
    public const string PasswordChanged = "user.password_changed";
    public const string PermissionsChanged = "user.permissions_changed";
    public const string Deleted = "user.deleted";
    public const string EmailVerified = "user.email_verified";
    public const string MfaEnabled = "user.mfa_enabled";
    public const string MfaDisabled = "user.mfa_disabled";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The JSON that outside consumers read from Kafka.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static UserEvent FromJson(string json) =>
        JsonSerializer.Deserialize<UserEvent>(json, Json) ?? throw new JsonException("A user event cannot be null.");
}

[GenerateSerializer, Immutable]
public sealed record UserEventData(
    [property: Id(0)] string Name,
    [property: Id(1)] string Email,
    [property: Id(2)] IReadOnlyList<string> Permissions,
    [property: Id(3)] bool EmailVerified = false,
    [property: Id(4)] bool MfaEnabled = false);
