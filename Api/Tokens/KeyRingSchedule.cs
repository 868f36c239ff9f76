using Grains.Interfaces.Tokens;

namespace Api.Tokens;

/// <summary>
/// When each key of the ring signs and how long it stays published, as pure functions of the ring and
/// the time, so every front end that holds the same ring and clock signs with the same key.
/// </summary>
public sealed class KeyRingSchedule(TimeSpan rotation, TimeSpan publishAhead, TimeSpan accessTokenLifetime)
{
    /// <summary>
    /// How long a retired key stays published after its last signature: the token lifetime plus the
    /// five minutes of clock skew stock validators (JwtBearer) allow by default.
    /// </summary>
    public TimeSpan Retention { get; } = accessTokenLifetime + TimeSpan.FromMinutes(5);

    /// <summary>The key that signs now: the last one activated, or the first one while none is yet (a clock slightly behind).</summary>
    public static SigningKey? Current(IReadOnlyList<SigningKey> keys, DateTimeOffset now)
    {
        SigningKey? current = keys.Count > 0 ? keys[0] : null;
        foreach (var key in keys)
        {
            if (key.ActivatesAt <= now)
            {
                current = key;
            }
        }

        return current;
    }

    /// <summary>Whether <paramref name="keyId"/> is among the <see cref="Published"/> keys, without allocating (asked on every request).</summary>
    public bool IsPublished(IReadOnlyList<SigningKey> keys, string keyId, DateTimeOffset now)
    {
        for (var i = 0; i < keys.Count; i++)
        {
            if (keys[i].KeyId == keyId)
            {
                return IsPublished(keys, i, now);
            }
        }

        return false;
    }

    /// <summary>Keys a token may be signed with at <paramref name="now"/>: every key but those retired longer than <see cref="Retention"/>.</summary>
    public IEnumerable<SigningKey> Published(IReadOnlyList<SigningKey> keys, DateTimeOffset now)
    {
        for (var i = 0; i < keys.Count; i++)
        {
            if (IsPublished(keys, i, now))
            {
                yield return keys[i];
            }
        }
    }

    // Key i is retired once the next one activates, and stays published for Retention after that.
    private bool IsPublished(IReadOnlyList<SigningKey> keys, int i, DateTimeOffset now) =>
        i + 1 == keys.Count || keys[i + 1].ActivatesAt + Retention > now;

    /// <summary>
    /// When the next key must activate, if it is time to create it: the first key at once; then each key
    /// <c>rotation</c> after the last, but never less than <c>publishAhead</c> after it was published.
    /// Null while a key that has not activated yet already waits, or while the current one is young.
    /// </summary>
    public DateTimeOffset? NextActivation(IReadOnlyList<SigningKey> keys, DateTimeOffset now)
    {
        if (keys.Count == 0)
        {
            return now;
        }

        var last = keys[^1];
        if (last.ActivatesAt > now || now < last.ActivatesAt + rotation - publishAhead)
        {
            return null;
        }

        var scheduled = last.ActivatesAt + rotation;
        return scheduled > now + publishAhead ? scheduled : now + publishAhead;
    }
}
