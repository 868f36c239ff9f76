using Grains.Interfaces.Tokens;

namespace Grains.Tokens;

/// <summary>Orders changes to the signing key ring: a compare-and-set on its version.</summary>
public sealed class SigningKeyRingGrain(
    [PersistentState("signingKeys", StorageNames.Users)] IPersistentState<SigningKeyRingState> ring)
    : Grain, ISigningKeyRingGrain
{
    public Task<SigningKeyRing> Get() => Task.FromResult(Current);

    public async Task<SigningKeyRing> Replace(int expectedVersion, IReadOnlyList<SigningKey> keys)
    {
        if (expectedVersion != ring.State.Version)
        {
            return Current;
        }

        // An empty ring, or two keys with one kid, would leave front ends unable to sign or to tell keys apart.
        if (keys.Count == 0 || keys.Select(k => k.KeyId).Distinct(StringComparer.Ordinal).Count() != keys.Count)
        {
            throw new ArgumentException("A key ring needs at least one key and distinct key ids.", nameof(keys));
        }

        ring.State.Version = expectedVersion + 1;
        ring.State.Keys = [.. keys.OrderBy(k => k.ActivatesAt)];
        await ring.WriteStateAsync();
        return Current;
    }

    private SigningKeyRing Current => new(ring.State.Version, [.. ring.State.Keys]);
}
