using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Api.Tokens;

/// <summary>
/// HS256 with JWT_SECRET, the Node design's way. JWT_SECRET_PREVIOUS is accepted for validation only,
/// so the secret can be rotated without logging anyone out: deploy the new secret with the old one as
/// previous, and drop the previous once the access-token lifetime has passed.
/// </summary>
public sealed class SharedSecretKeys : ITokenKeys
{
    private readonly SymmetricSecurityKey _current;
    private readonly SymmetricSecurityKey[] _all;

    public SharedSecretKeys(byte[] secret, byte[]? previousSecret)
    {
        _current = Key(secret);
        _all = previousSecret is null ? [_current] : [_current, Key(previousSecret)];
    }

    public TokenAlgorithm Algorithm => TokenAlgorithm.HS256;

    public ValueTask EnsureFresh(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public SigningCredentials SigningCredentials() => new(_current, SecurityAlgorithms.HmacSha256);

    // Tokens from before kids (the Node design's) name none: both secrets are ours, so both may be tried.
    public IEnumerable<SecurityKey> ValidationKeys(string? keyId) =>
        string.IsNullOrEmpty(keyId) ? _all : _all.Where(k => k.KeyId == keyId);

    public bool Accepts(string keyId)
    {
        foreach (var key in _all)
        {
            if (key.KeyId == keyId)
            {
                return true;
            }
        }

        return false;
    }

    public IReadOnlyList<JsonWebKey> PublishedKeys() => [];

    // A kid that tells the two secrets apart: 64 bits of the secret's SHA-256, which says nothing a token's own HMAC does not.
    private static SymmetricSecurityKey Key(byte[] secret) =>
        new(secret) { KeyId = "hs-" + Base64UrlEncoder.Encode(SHA256.HashData(secret).AsSpan(0, 8).ToArray()) };
}
