namespace Grains.Interfaces.Tokens;

/// <summary>
/// One signing key of the ring. It signs from <paramref name="ActivatesAt"/> until the next key's
/// activation, and is published from its creation until the last token it signed has expired.
/// </summary>
/// <param name="KeyId">The JWT "kid": the key's RFC 7638 thumbprint.</param>
/// <param name="Algorithm">"RS256" or "ES256".</param>
/// <param name="PublicKey">The public key as DER SubjectPublicKeyInfo.</param>
/// <param name="EncryptedPrivateKey">The PKCS#8 private key sealed with AES-GCM under JWT_KEY_ENCRYPTION_KEY.</param>
[GenerateSerializer, Immutable]
public sealed record SigningKey(
    [property: Id(0)] string KeyId,
    [property: Id(1)] string Algorithm,
    [property: Id(2)] byte[] PublicKey,
    [property: Id(3)] byte[] EncryptedPrivateKey,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] DateTimeOffset ActivatesAt);
