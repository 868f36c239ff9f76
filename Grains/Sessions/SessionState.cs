namespace Grains.Sessions;

[GenerateSerializer]
public sealed class SessionState
{
    [Id(0)] public Guid UserId { get; set; }

    /// <summary>SHA-256 of the live refresh token; the token itself is never stored.</summary>
    [Id(1)] public string RefreshTokenHash { get; set; } = "";

    /// <summary>Hashes of refresh tokens already rotated away, newest last, to detect their reuse.</summary>
    [Id(2)] public List<string> RetiredTokenHashes { get; set; } = [];

    [Id(3)] public DateTimeOffset CreatedAt { get; set; }
    [Id(4)] public DateTimeOffset LastSeenAt { get; set; }
    [Id(5)] public DateTimeOffset ExpiresAt { get; set; }
    [Id(6)] public TimeSpan IdleTimeout { get; set; }
    [Id(7)] public bool Revoked { get; set; }
    [Id(8)] public string? UserAgent { get; set; }
    [Id(9)] public string? IpAddress { get; set; }

    /// <summary>The user's credential version (security stamp) the login was checked against.</summary>
    [Id(10)] public long CredentialVersion { get; set; }

    public bool Started => UserId != Guid.Empty;

    /// <summary>When the session ends by itself: its absolute expiry, or its idle timeout after the last activity.</summary>
    public DateTimeOffset EndsAt => ExpiresAt < LastSeenAt + IdleTimeout ? ExpiresAt : LastSeenAt + IdleTimeout;

    public bool IsLiveAt(DateTimeOffset now) => Started && !Revoked && now < EndsAt;

    public SessionState Copy() => new()
    {
        UserId = UserId,
        RefreshTokenHash = RefreshTokenHash,
        RetiredTokenHashes = [.. RetiredTokenHashes],
        CreatedAt = CreatedAt,
        LastSeenAt = LastSeenAt,
        ExpiresAt = ExpiresAt,
        IdleTimeout = IdleTimeout,
        Revoked = Revoked,
        UserAgent = UserAgent,
        IpAddress = IpAddress,
        CredentialVersion = CredentialVersion,
    };
}
