namespace Grains.Sessions;

/// <remarks>
/// The <c>[Id]</c>s are the stored format (see <see cref="StoredFormat"/>): never renumber or reuse one.
/// <see cref="SessionIds"/> stays the list itself, so a silo of the release before still reads the whole list;
/// <see cref="ExpiresAt"/> came later and is known only for sessions added or listed since.
/// </remarks>
[GenerateSerializer]
public sealed class UserSessionsState
{
    [Id(0)] public HashSet<Guid> SessionIds { get; set; } = [];

    /// <summary>The absolute expiry of listed sessions: none of them lives past it, whatever else happens.</summary>
    [Id(1)] public Dictionary<Guid, DateTimeOffset> ExpiresAt { get; set; } = [];

    public int Count => SessionIds.Count;

    public bool Add(Guid sessionId, DateTimeOffset expiresAt)
    {
        ExpiresAt[sessionId] = expiresAt;
        return SessionIds.Add(sessionId);
    }

    public bool Remove(Guid sessionId)
    {
        ExpiresAt.Remove(sessionId);
        return SessionIds.Remove(sessionId);
    }

    /// <summary>Forgets the sessions already past their absolute expiry; whether any were.</summary>
    public bool ForgetExpired(DateTimeOffset now)
    {
        var expired = ExpiresAt.Where(e => e.Value <= now).Select(e => e.Key).ToList();
        expired.ForEach(id => Remove(id));
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
            : [.. SessionIds
                .Where(id => id != newest)
                .OrderBy(id => ExpiresAt.GetValueOrDefault(id, DateTimeOffset.MinValue))
                .Take(SessionIds.Count - kept)];
}
