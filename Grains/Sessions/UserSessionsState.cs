namespace Grains.Sessions;

/// <remarks>
/// The <c>[Id]</c>s are the stored format (see <see cref="StoredFormat"/>): never renumber or reuse one.
/// <see cref="SessionIds"/> stays the list itself, so a silo of the release before still reads the whole list.
/// <see cref="Expiries"/> came later and holds no second copy of the ids: with them, a user's one-session list took
/// 66 bytes, past the 64 up to which Redis keeps a hash in its compact encoding, and cost about 300 bytes more in Redis.
/// </remarks>
[GenerateSerializer]
public sealed class UserSessionsState
{
    /// <summary>Stored for a session whose expiry is not known: listed before expiries were kept.</summary>
    private const long Unknown = 0;

    [Id(0)] public HashSet<Guid> SessionIds { get; set; } = [];

    /// <summary>
    /// The listed sessions' absolute expiries in Unix milliseconds, rounded up, <see cref="Unknown"/> where not known, in
    /// the order of <see cref="SessionIds"/> sorted by value. None of them lives past it, whatever else happens.
    /// A length that no longer matches (a silo of the release before rewrote the list without it) reads as
    /// unknown throughout.
    /// </summary>
    [Id(1)] public List<long> Expiries { get; set; } = [];

    public int Count => SessionIds.Count;

    public bool ExpiryKnown(Guid sessionId) => Paired().GetValueOrDefault(sessionId, Unknown) != Unknown;

    /// <summary>Whether every listed session's expiry is known: read off the stored expiries, without pairing them.</summary>
    public bool EveryExpiryKnown => Expiries.Count == SessionIds.Count && !Expiries.Contains(Unknown);

    public bool Add(Guid sessionId, DateTimeOffset expiresAt)
    {
        var expiries = Paired();
        var added = expiries.TryAdd(sessionId, Unknown);
        expiries[sessionId] = expiresAt == DateTimeOffset.MaxValue ? Unknown : RoundedUp(expiresAt);
        Keep(expiries);
        return added;
    }

    public bool Remove(Guid sessionId)
    {
        var expiries = Paired();
        var removed = expiries.Remove(sessionId);
        Keep(expiries);
        return removed;
    }

    /// <summary>Forgets the sessions already past their absolute expiry; whether any were.</summary>
    public bool ForgetExpired(DateTimeOffset now)
    {
        var expiries = Paired();
        var expired = expiries.Where(e => e.Value != Unknown && e.Value <= now.ToUnixTimeMilliseconds()).Select(e => e.Key).ToList();
        expired.ForEach(id => expiries.Remove(id));
        Keep(expiries);
        return expired.Count > 0;
    }

    /// <summary>
    /// The sessions beyond the newest <paramref name="kept"/>, soonest-expiring first; those listed before expiries were
    /// kept count as the oldest. Never <paramref name="newest"/>, the session being started: a lifetime shortened since
    /// the others began would put it first, and its revocation would wait on its own start.
    /// </summary>
    public IReadOnlyList<Guid> Beyond(int kept, Guid newest) =>
        SessionIds.Count <= kept
            ? []
            : [.. Paired()
                .Where(e => e.Key != newest)
                .OrderBy(e => e.Value)
                .ThenBy(e => e.Key)
                .Take(SessionIds.Count - kept)
                .Select(e => e.Key)];

    /// <summary>Rounded up, so a session is never forgotten while it may still be live.</summary>
    private static long RoundedUp(DateTimeOffset at) =>
        (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;

    private Dictionary<Guid, long> Paired()
    {
        var ids = SessionIds.Order().ToList();
        return ids.Count == Expiries.Count
            ? ids.Zip(Expiries).ToDictionary(e => e.First, e => e.Second)
            : ids.ToDictionary(id => id, _ => Unknown);
    }

    private void Keep(Dictionary<Guid, long> expiries)
    {
        SessionIds = [.. expiries.Keys];
        Expiries = [.. expiries.Keys.Order().Select(id => expiries[id])];
    }
}
