namespace Grains.Interfaces.Tokens;

/// <summary>
/// The one key ring every front end signs access tokens from, keyed by algorithm ("RS256", "ES256").
/// Persisted in the "users" storage (PostgreSQL in a cluster). The grain only orders changes: front
/// ends generate keys and encrypt their private halves before handing them over, so the silo never
/// holds a private key in the clear and needs no key-encryption key.
/// </summary>
public interface ISigningKeyRingGrain : IGrainWithStringKey
{
    Task<SigningKeyRing> Get();

    /// <summary>
    /// Replaces the keys when <paramref name="expectedVersion"/> is still the stored version; otherwise
    /// changes nothing. Either way answers the ring as now stored, so of two front ends that propose a
    /// next key at once exactly one wins and both go on with the winner's ring.
    /// </summary>
    Task<SigningKeyRing> Replace(int expectedVersion, IReadOnlyList<SigningKey> keys);
}
