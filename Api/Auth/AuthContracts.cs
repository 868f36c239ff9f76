using System.Text.Json.Serialization;

namespace Api.Auth;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record LoginRequest(string? Email, string? Password);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record RefreshRequest(string? RefreshToken);

/// <param name="TokenTypeHint">RFC 7009 §2.1 and RFC 7662 §2.1 let a client send it; the token is looked up whatever it says.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record IntrospectRequest(string? Token, [property: JsonPropertyName("token_type_hint")] string? TokenTypeHint = null);

/// <summary>RFC 7662 §2.2: only <c>active</c> is present when the token is not active.</summary>
public sealed record IntrospectionResponse(
    bool Active,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? Sub = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? Sid = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Exp = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Iat = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Iss = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Aud = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonPropertyName("token_type")] string? TokenType = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Permissions = null)
{
    public static readonly IntrospectionResponse Inactive = new(false);
}

public sealed record SessionResponse(Guid Id, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, DateTimeOffset ExpiresAt, string? UserAgent, string? IpAddress, bool Current);

/// <summary>The login answer when a second factor is on (docs/contract.md, Account lifecycle): no tokens, a ticket for /auth/login/mfa.</summary>
public sealed record MfaChallengeResponse(bool MfaRequired, string MfaTicket, int ExpiresIn);

public sealed record TokenResponse(string AccessToken, string RefreshToken, string TokenType, int ExpiresIn, Guid SessionId);
