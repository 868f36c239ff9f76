using System.Security.Cryptography;
using Grains.Interfaces;
using Grains.Interfaces.Tokens;
using Microsoft.IdentityModel.Tokens;

namespace Api.Tokens;

/// <summary>
/// RS256/ES256: this front end's copy of the cluster's key ring (<see cref="ISigningKeyRingGrain"/>),
/// fetched again every <see cref="RefreshInterval"/>. A front end that signs also keeps the ring
/// rolling: when the schedule calls for the next key it generates one, seals its private half and
/// proposes it; the grain accepts one proposal per ring version, so every front end signs from the
/// same ring. Private keys are opened here, only on front ends that sign.
/// </summary>
public sealed class ClusterSigningKeys(
    IGrainFactory grains,
    TokenSettings settings,
    KeyRingSchedule schedule,
    TimeProvider time,
    ILogger<ClusterSigningKeys> logger,
    bool signs) : ITokenKeys
{
    /// <summary>Far below the smallest JWT_KEY_PUBLISH_AHEAD, so every front end knows a key well before it signs.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(1);

    /// <summary>After a failed refresh, the old ring is used this long before the next attempt.</summary>
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);

    private readonly PrivateKeyProtector? _protector = settings.KeyEncryptionKey is { } kek ? new PrivateKeyProtector(kek) : null;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile RingSnapshot? _snapshot;

    public TokenAlgorithm Algorithm => settings.Algorithm;

    public ValueTask EnsureFresh(CancellationToken cancellationToken)
    {
        var seen = _snapshot;
        return Fresh(seen) ? ValueTask.CompletedTask : new ValueTask(Refresh(seen, cancellationToken));
    }

    /// <summary>
    /// An empty ring is never fresh: a front end that first looked before any key existed (a new cluster, the
    /// signing front end not asked yet) looks again on each request until the first key is there, instead of
    /// refusing that key's tokens until the next refresh.
    /// </summary>
    private bool Fresh(RingSnapshot? snapshot) =>
        snapshot is { Ring.Keys.Count: > 0 } && time.GetUtcNow() < snapshot.RefreshDue;

    public SigningCredentials SigningCredentials()
    {
        var snapshot = _snapshot ?? throw new InvalidOperationException("The key ring has not been loaded.");
        var key = KeyRingSchedule.Current(snapshot.Ring.Keys, time.GetUtcNow())!;
        return snapshot.Signing.TryGetValue(key.KeyId, out var credentials)
            ? credentials
            : throw new DependencyUnavailableException($"Signing key {key.KeyId} cannot be opened with this front end's JWT_KEY_ENCRYPTION_KEY.");
    }

    public IEnumerable<SecurityKey> ValidationKeys(string? keyId)
    {
        if (_snapshot is not { } snapshot || string.IsNullOrEmpty(keyId))
        {
            return [];
        }

        return schedule.Published(snapshot.Ring.Keys, time.GetUtcNow())
            .Where(k => k.KeyId == keyId)
            .Select(k => (SecurityKey)snapshot.Public[k.KeyId]);
    }

    public bool Accepts(string keyId) =>
        _snapshot is { } snapshot && schedule.IsPublished(snapshot.Ring.Keys, keyId, time.GetUtcNow());

    public IReadOnlyList<JsonWebKey> PublishedKeys() =>
        _snapshot is { } snapshot ? [.. schedule.Published(snapshot.Ring.Keys, time.GetUtcNow()).Select(k => snapshot.Jwks[k.KeyId])] : [];

    private async Task Refresh(RingSnapshot? seen, CancellationToken cancellationToken)
    {
        // With keys in hand, a request never waits for another's refresh: it uses the ring it has.
        if (seen is { Ring.Keys.Count: > 0 })
        {
            if (!await _gate.WaitAsync(0, cancellationToken))
            {
                return;
            }
        }
        else
        {
            await _gate.WaitAsync(cancellationToken);
        }

        try
        {
            if (Fresh(_snapshot))
            {
                return;
            }

            var now = time.GetUtcNow();
            var ring = await Roll(await Ring.Get(), now);
            _snapshot = Build(ring, now + RefreshInterval, _snapshot);
        }
        catch (Exception e) when (_snapshot is not null && e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not refresh the signing key ring; using the ring from {FetchedAt} and retrying shortly", _snapshot.RefreshDue - RefreshInterval);
            _snapshot = _snapshot with { RefreshDue = time.GetUtcNow() + RetryDelay };
        }
        finally
        {
            _gate.Release();
        }
    }

    private ISigningKeyRingGrain Ring => grains.GetGrain<ISigningKeyRingGrain>(settings.Algorithm.JwtName());

    private async Task<SigningKeyRing> Roll(SigningKeyRing ring, DateTimeOffset now)
    {
        if (!signs || _protector is null || schedule.NextActivation(ring.Keys, now) is not { } activatesAt)
        {
            return ring;
        }

        // A front end that cannot open the current key holds another encryption key: a key it added could be
        // opened by no other front end, so it leaves the ring to those that can.
        if (KeyRingSchedule.Current(ring.Keys, now) is { } current && !CanOpen(current))
        {
            logger.LogError("Not adding the next signing key: this front end's JWT_KEY_ENCRYPTION_KEY does not open the current key {KeyId}", current.KeyId);
            return ring;
        }

        var next = SigningKeyMaterial.Generate(settings.Algorithm, _protector, now, activatesAt);
        var stored = await Ring.Replace(ring.Version, [.. schedule.Published(ring.Keys, now), next]);
        if (stored.Keys.Any(k => k.KeyId == next.KeyId))
        {
            logger.LogInformation("Signing key {KeyId} ({Algorithm}) published; it signs from {ActivatesAt:O}", next.KeyId, next.Algorithm, activatesAt);
        }

        return stored;
    }

    private bool CanOpen(SigningKey key)
    {
        try
        {
            CryptographicOperations.ZeroMemory(_protector!.Open(key.KeyId, key.EncryptedPrivateKey));
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private RingSnapshot Build(SigningKeyRing ring, DateTimeOffset refreshDue, RingSnapshot? previous)
    {
        var publicKeys = new Dictionary<string, AsymmetricSecurityKey>(StringComparer.Ordinal);
        var jwks = new Dictionary<string, JsonWebKey>(StringComparer.Ordinal);
        var signing = new Dictionary<string, SigningCredentials>(StringComparer.Ordinal);
        foreach (var key in ring.Keys)
        {
            publicKeys[key.KeyId] = previous?.Public.GetValueOrDefault(key.KeyId) ?? SigningKeyMaterial.PublicKey(key);
            jwks[key.KeyId] = previous?.Jwks.GetValueOrDefault(key.KeyId) ?? SigningKeyMaterial.Jwk(key);
            if (previous?.Signing.GetValueOrDefault(key.KeyId) is { } known)
            {
                signing[key.KeyId] = known;
            }
            else if (signs && _protector is not null)
            {
                try
                {
                    signing[key.KeyId] = SigningKeyMaterial.Credentials(key, _protector);
                }
                catch (CryptographicException)
                {
                    logger.LogError(
                        "Signing key {KeyId} cannot be opened: JWT_KEY_ENCRYPTION_KEY is not the key the ring was written with; this front end cannot sign while that key is current",
                        key.KeyId);
                }
            }
        }

        return new RingSnapshot(ring, refreshDue, publicKeys, jwks, signing);
    }

    private sealed record RingSnapshot(
        SigningKeyRing Ring,
        DateTimeOffset RefreshDue,
        IReadOnlyDictionary<string, AsymmetricSecurityKey> Public,
        IReadOnlyDictionary<string, JsonWebKey> Jwks,
        IReadOnlyDictionary<string, SigningCredentials> Signing);
}
