using System.Security.Cryptography;
using Hosting.Configuration;
using static Hosting.Configuration.Setting;

namespace Api.Tokens;

/// <summary>How access tokens are signed and checked (docs/contract.md, Tokens for other services), read once at start.</summary>
public sealed record TokenSettings
{
    public const int EncryptionKeyBytes = 32;

    /// <summary>Below this, a front end that refreshes its ring every minute might not know a key before it signs.</summary>
    public static readonly TimeSpan MinimumPublishAhead = TimeSpan.FromMinutes(5);

    public TokenAlgorithm Algorithm { get; init; } = TokenAlgorithm.HS256;

    /// <summary>HS256 only: an older secret still accepted for validation, never used to sign.</summary>
    public byte[]? PreviousSecret { get; init; }

    public TimeSpan KeyRotation { get; init; } = TimeSpan.FromDays(30);
    public TimeSpan KeyPublishAhead { get; init; } = TimeSpan.FromDays(1);

    /// <summary>RS256/ES256 on a front end that signs: the AES-256-GCM key sealing private keys at rest.</summary>
    public byte[]? KeyEncryptionKey { get; init; }
    public bool KeyEncryptionKeyGenerated { get; init; }

    public IntrospectionClients IntrospectionClients { get; init; } = IntrospectionClients.None;

    public static TokenSettings From(IConfiguration config, bool embedded, bool signs)
    {
        var algorithm = Optional(config, "JWT_ALGORITHM")?.ToUpperInvariant() switch
        {
            null or "HS256" => TokenAlgorithm.HS256,
            "RS256" => TokenAlgorithm.RS256,
            "ES256" => TokenAlgorithm.ES256,
            var raw => throw new ConfigurationException($"JWT_ALGORITHM must be HS256, RS256 or ES256, not '{raw}'."),
        };

        var previous = Optional(config, "JWT_SECRET_PREVIOUS") is { } text ? System.Text.Encoding.UTF8.GetBytes(text) : null;
        if (previous is { Length: < 32 })
        {
            throw new ConfigurationException("JWT_SECRET_PREVIOUS must be at least 32 bytes, like JWT_SECRET.");
        }

        var rotation = Duration(config, "JWT_KEY_ROTATION", TimeSpan.FromDays(30));
        var ahead = Duration(config, "JWT_KEY_PUBLISH_AHEAD", TimeSpan.FromDays(1));
        if (ahead < MinimumPublishAhead || ahead >= rotation)
        {
            throw new ConfigurationException(
                $"JWT_KEY_PUBLISH_AHEAD must be at least {MinimumPublishAhead:c} and shorter than JWT_KEY_ROTATION ({rotation:c}).");
        }

        var (kek, generated) = algorithm.IsAsymmetric() && signs ? EncryptionKey(config, embedded) : (null, false);
        return new TokenSettings
        {
            Algorithm = algorithm,
            PreviousSecret = previous,
            KeyRotation = rotation,
            KeyPublishAhead = ahead,
            KeyEncryptionKey = kek,
            KeyEncryptionKeyGenerated = generated,
            IntrospectionClients = IntrospectionClients.Parse(config["INTROSPECTION_CLIENTS"]),
        };
    }

    private static (byte[] Key, bool Generated) EncryptionKey(IConfiguration config, bool embedded)
    {
        if (Optional(config, "JWT_KEY_ENCRYPTION_KEY") is not { } raw)
        {
            // The embedded ring lives in memory and dies with the process, so a key of the process's own is enough.
            return embedded
                ? (RandomNumberGenerator.GetBytes(EncryptionKeyBytes), true)
                : throw new ConfigurationException(
                    "JWT_KEY_ENCRYPTION_KEY must be set (base64 of 32 random bytes, e.g. `openssl rand -base64 32`) with JWT_ALGORITHM RS256 or ES256 in a cluster.");
        }

        try
        {
            var key = Convert.FromBase64String(raw);
            if (key.Length == EncryptionKeyBytes)
            {
                return (key, false);
            }
        }
        catch (FormatException)
        {
            // Reported below with the same line as a wrong length.
        }

        throw new ConfigurationException("JWT_KEY_ENCRYPTION_KEY must be base64 of exactly 32 bytes (e.g. `openssl rand -base64 32`).");
    }
}
