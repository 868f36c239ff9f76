using System.Collections.Concurrent;
using Grains.Interfaces;
using Grains.Interfaces.Sessions;
using Grains.Interfaces.Users;
using StackExchange.Redis;

namespace Api.Security;

/// <summary>
/// The front end's copy of what every authenticated request asks the cluster: is this session live, and
/// what does this user look like. Grains announce each ended session and each user write on the cluster's
/// Redis channel before they answer, and this copy drops the entry when the announcement arrives, so a
/// logout or a permission change still applies to the very next request on every front end. Copies are
/// used only while the subscription is connected (a dropped subscription could miss an announcement:
/// everything is forgotten and requests go to the grains until it is back), and live at most
/// <see cref="MaxAge"/>, which also keeps the session grain's idle clock fed.
/// </summary>
public sealed class FrontEndCache
{
    private readonly ConcurrentDictionary<Guid, Entry<SessionCheck>> _sessions = new();
    private readonly ConcurrentDictionary<Guid, Entry<UserView?>> _users = new();
    private readonly TimeProvider _time;
    private long _generation;
    private volatile bool _trusted;

    public FrontEndCache(TimeProvider time, TimeSpan maxAge)
    {
        _time = time;
        MaxAge = maxAge;
    }

    public TimeSpan MaxAge { get; }

    /// <summary>Whether copies may be used: only while the change subscription is connected.</summary>
    public bool Trusted => _trusted;

    public Task<SessionCheck> Session(Guid sessionId, Func<Task<SessionCheck>> fetch) =>
        GetOrFetch(_sessions, sessionId, fetch, check => check.Active ? check.ValidUntil : null);

    public Task<UserView?> User(Guid userId, Func<Task<UserView?>> fetch) =>
        GetOrFetch(_users, userId, fetch, view => view is not null ? DateTimeOffset.MaxValue : null);

    /// <summary>Applies one announcement from the channel.</summary>
    public void Apply(string? message)
    {
        if (!ChangeMessage.TryParse(message, out var kind, out var id))
        {
            return;
        }

        // The generation moves first: a fetch that began before this announcement can no longer store its answer.
        Interlocked.Increment(ref _generation);
        if (kind == 's')
        {
            _sessions.TryRemove(id, out _);
        }
        else
        {
            _users.TryRemove(id, out _);
        }
    }

    /// <summary>The subscription is (re)connected: start from nothing, as announcements may have been missed.</summary>
    public void Connected()
    {
        Forget();
        _trusted = true;
    }

    /// <summary>The subscription dropped: stop using copies at once.</summary>
    public void Disconnected()
    {
        _trusted = false;
        Forget();
    }

    private void Forget()
    {
        Interlocked.Increment(ref _generation);
        _sessions.Clear();
        _users.Clear();
    }

    private async Task<T> GetOrFetch<T>(
        ConcurrentDictionary<Guid, Entry<T>> entries, Guid key, Func<Task<T>> fetch, Func<T, DateTimeOffset?> cacheableUntil)
    {
        if (!_trusted)
        {
            return await fetch();
        }

        var now = _time.GetUtcNow();
        if (entries.TryGetValue(key, out var cached) && now < cached.Until)
        {
            return cached.Value;
        }

        var generation = Interlocked.Read(ref _generation);
        var value = await fetch();
        // Only positive answers are kept: a revoked session or a deleted user is asked again, which is rare.
        if (cacheableUntil(value) is { } until && _trusted)
        {
            var entry = new Entry<T>(value, Min(until, now + MaxAge));
            entries[key] = entry;
            // An announcement that arrived while fetching may have missed this entry: then it must not stay.
            if (Interlocked.Read(ref _generation) != generation)
            {
                entries.TryRemove(new KeyValuePair<Guid, Entry<T>>(key, entry));
            }
        }

        return value;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private sealed record Entry<T>(T Value, DateTimeOffset Until);
}
