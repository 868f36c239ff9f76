using Api.Tokens;
using Grains.Interfaces.Tokens;
using Microsoft.IdentityModel.Tokens;

namespace Bench.Micro;

/// <summary>A ring of one RS256 or ES256 key, made as the cluster makes them, without a cluster to keep it.</summary>
public sealed class OneKeyRing : ITokenKeys
{
    private readonly SigningCredentials _credentials;
    private readonly SecurityKey _public;
    private readonly string _keyId;

    public OneKeyRing(TokenAlgorithm algorithm)
    {
        var protector = new PrivateKeyProtector(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var now = DateTimeOffset.UtcNow;
        SigningKey key = SigningKeyMaterial.Generate(algorithm, protector, now, now);
        _credentials = SigningKeyMaterial.Credentials(key, protector);
        _public = SigningKeyMaterial.PublicKey(key);
        _keyId = key.KeyId;
        Algorithm = algorithm;
    }

    public TokenAlgorithm Algorithm { get; }

    public ValueTask EnsureFresh(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public SigningCredentials SigningCredentials() => _credentials;

    public IEnumerable<SecurityKey> ValidationKeys(string? keyId) => keyId == _keyId ? [_public] : [];

    public bool Accepts(string keyId) => keyId == _keyId;

    public IReadOnlyList<JsonWebKey> PublishedKeys() => [];
}
