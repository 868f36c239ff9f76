namespace Grains.Sessions;

/// <remarks>
/// The <c>[Id]</c>s are the stored format (see <see cref="StoredFormat"/>): never renumber or reuse one. Only the
/// properties with an id are stored; the derived ones below are not.
/// </remarks>
[GenerateSerializer]
public sealed class SessionState
{
    [Id(0)] public Guid UserId { get; set; }

    /// <summary>
    /// Only in sessions stored before the compact format (as the hex SHA-256 of the live token); turned into
    /// <see cref="RefreshToken"/> when such a session is read, and null from then on.
    /// </summary>
    [Id(1)] public string? RefreshTokenHash { get; set; }

    /// <summary>As <see cref="RefreshTokenHash"/>, for <see cref="RetiredTokens"/>.</summary>
    [Id(2)] public List<string>? RetiredTokenHashes { get; set; }

    [Id(3)] public DateTimeOffset CreatedAt { get; set; }
    [Id(4)] public DateTimeOffset LastSeenAt { get; set; }
    [Id(5)] public DateTimeOffset ExpiresAt { get; set; }
    [Id(6)] public TimeSpan IdleTimeout { get; set; }
    [Id(7)] public bool Revoked { get; set; }
    [Id(8)] public string? UserAgent { get; set; }
    [Id(9)] public string? IpAddress { get; set; }

    /// <summary>The user's credential version (security stamp) the login was checked against.</summary>
    [Id(10)] public long CredentialVersion { get; set; }

    /// <summary>The live refresh token's <see cref="RefreshTokenFingerprint"/>; empty once revoked. The token itself is never stored.</summary>
    [Id(11)] public byte[] RefreshToken { get; set; } = [];

    /// <summary>Fingerprints of refresh tokens already rotated away, end to end, newest last, to detect their reuse.</summary>
    [Id(12)] public byte[] RetiredTokens { get; set; } = [];

    public bool Started => UserId != Guid.Empty;

    /// <summary>When the session ends by itself: its absolute expiry, or its idle timeout after the last activity.</summary>
    public DateTimeOffset EndsAt => ExpiresAt < LastSeenAt + IdleTimeout ? ExpiresAt : LastSeenAt + IdleTimeout;

    public bool IsLiveAt(DateTimeOffset now) => Started && !Revoked && now < EndsAt;

    /// <summary>Whether <paramref name="tokenHash"/> is the live refresh token's hash.</summary>
    public bool IsCurrentToken(string tokenHash) => RefreshTokenFingerprint.IsAmong(RefreshToken, RefreshTokenFingerprint.Of(tokenHash));

    /// <summary>Whether <paramref name="tokenHash"/> is the hash of a token rotated away and still remembered.</summary>
    public bool IsRetiredToken(string tokenHash) => RefreshTokenFingerprint.IsAmong(RetiredTokens, RefreshTokenFingerprint.Of(tokenHash));

    /// <summary>A copy whose live token is <paramref name="replacementHash"/>'s, the current one retired (at most <paramref name="kept"/> kept).</summary>
    public SessionState Rotated(string replacementHash, int kept)
    {
        var rotated = Copy();
        var retired = RetiredTokens.Concat(RefreshToken).ToArray();
        rotated.RetiredTokens = retired.Length > kept * RefreshTokenFingerprint.Length
            ? retired[^(kept * RefreshTokenFingerprint.Length)..]
            : retired;
        rotated.RefreshToken = RefreshTokenFingerprint.Of(replacementHash);
        return rotated;
    }

    /// <summary>Moves the hex hashes of a session stored before the compact format into fingerprints.</summary>
    public void UpgradeLegacyHashes()
    {
        if (RefreshTokenHash is { } live)
        {
            RefreshToken = live.Length == 0 ? [] : RefreshTokenFingerprint.Of(live);
            RefreshTokenHash = null;
        }

        if (RetiredTokenHashes is { } retired)
        {
            RetiredTokens = [.. retired.SelectMany(RefreshTokenFingerprint.Of)];
            RetiredTokenHashes = null;
        }
    }

    // The arrays are never changed in place (only replaced), so a copy shares them.
    public SessionState Copy() => new()
    {
        UserId = UserId,
        CreatedAt = CreatedAt,
        LastSeenAt = LastSeenAt,
        ExpiresAt = ExpiresAt,
        IdleTimeout = IdleTimeout,
        Revoked = Revoked,
        UserAgent = UserAgent,
        IpAddress = IpAddress,
        CredentialVersion = CredentialVersion,
        RefreshToken = RefreshToken,
        RetiredTokens = RetiredTokens,
    };
}
