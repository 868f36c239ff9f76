namespace Grains.Interfaces.Sessions;

/// <summary>
/// Opens a session. The front end sets the lifetimes, so the tier that issues tokens decides them;
/// the grain keeps only a hash of the refresh token.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record StartSession(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] string RefreshTokenHash,
    [property: Id(2)] TimeSpan AbsoluteLifetime,
    [property: Id(3)] TimeSpan IdleTimeout,
    [property: Id(4)] string? UserAgent,
    [property: Id(5)] string? IpAddress,
    [property: Id(6)] long CredentialVersion = 0,
    // How many sessions the user may hold at once; a login beyond it revokes the oldest. 0: no limit.
    [property: Id(7)] int SessionsPerUser = 0);

[GenerateSerializer, Immutable]
public sealed record SessionInfo(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid UserId,
    [property: Id(2)] DateTimeOffset CreatedAt,
    [property: Id(3)] DateTimeOffset LastSeenAt,
    [property: Id(4)] DateTimeOffset ExpiresAt,
    [property: Id(5)] string? UserAgent,
    [property: Id(6)] string? IpAddress);

/// <summary>
/// The live state an authenticated request is checked against; <paramref name="ValidUntil"/> is when the
/// session would end by itself (absolute expiry, or idle timeout without further activity).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SessionCheck([property: Id(0)] bool Active, [property: Id(1)] Guid UserId, [property: Id(2)] DateTimeOffset ValidUntil = default)
{
    public static readonly SessionCheck Inactive = new(false, Guid.Empty);
}

public enum RefreshStatus
{
    Rotated,
    /// <summary>Unknown token, expired or revoked session.</summary>
    Rejected,
    /// <summary>A token that was already rotated away was presented: the session is now revoked.</summary>
    ReuseDetected,
}

[GenerateSerializer, Immutable]
public sealed record RefreshResult([property: Id(0)] RefreshStatus Status, [property: Id(1)] Guid UserId = default);
