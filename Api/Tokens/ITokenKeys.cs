using Microsoft.IdentityModel.Tokens;

namespace Api.Tokens;

/// <summary>The keys this front end signs access tokens with and accepts them under.</summary>
public interface ITokenKeys
{
    TokenAlgorithm Algorithm { get; }

    /// <summary>Brings the keys up to date when they are due; completes at once otherwise (the hot path).</summary>
    ValueTask EnsureFresh(CancellationToken cancellationToken);

    /// <summary>What signs a token issued now.</summary>
    SigningCredentials SigningCredentials();

    /// <summary>The keys a token naming <paramref name="keyId"/> may be checked against; none for an unknown kid.</summary>
    IEnumerable<SecurityKey> ValidationKeys(string? keyId);

    /// <summary>Whether the key <paramref name="keyId"/> still validates tokens: what ends a remembered verdict when its key goes.</summary>
    bool Accepts(string keyId);

    /// <summary>The public keys other services may verify with (empty for HS256: its key is a secret).</summary>
    IReadOnlyList<JsonWebKey> PublishedKeys();
}
