using System.Collections.Concurrent;
using Grains.Interfaces;
using Grains.Interfaces.Sessions;
using Grains.Interfaces.Users;

namespace Api.Security;

/// <summary>
/// The front end's copy of what every authenticated request asks the cluster: is this session live, and
/// what does this user look like. Grains announce each ended session and each user write on the cluster's
/// Redis channel, this copy drops the entry when the announcement arrives, and the grain answers only once
/// every front end confirmed that (<see cref="ChangeSubscription"/>), so a logout or a permission change
/// applies to the very next request on every front end. Copies are
/// used only while the subscription is connected (a dropped subscription could miss an announcement:
/// everything is forgotten and requests go to the grains until it is back), and live at most
/// <see cref="MaxAge"/>: that bounds how stale a copy can be should Redis lose an announcement without the
/// connection failing (pub/sub delivers at most once), and keeps the session's idle clock fed.
/// Each copy lives a random age between half of and the whole <see cref="MaxAge"/>, so copies made together
/// do not all expire together, and concurrent misses of one key share one call to the cluster.
/// </summary>
public sealed class FrontEndCache
{
    private readonly ConcurrentDictionary<Guid, Entry<SessionCheck>> _sessions = new();
    private readonly ConcurrentDictionary<Guid, Entry<UserView?>> _users = new();
    private readonly TimeProvider _time;
    private volatile bool _trusted;

    public FrontEndCache(TimeProvider time, TimeSpan maxAge)
    {
        _time = time;
        MaxAge = maxAge;
    }

    public TimeSpan MaxAge { get; }

    /// <summary>Whether copies may be used: only while the change subscription is connected.</summary>
    public bool Trusted => _trusted;

    /// <summary>
    /// The session's check, from a copy or from <paramref name="fetch"/>; <paramref name="fetch"/> gets the key,
    /// so callers can pass one delegate made once instead of a closure per request.
    /// </summary>
    public ValueTask<SessionCheck> Session(Guid sessionId, Func<Guid, Task<SessionCheck>> fetch) =>
        GetOrFetch(_sessions, sessionId, fetch, static check => check.Active ? check.ValidUntil : null);

    public ValueTask<UserView?> User(Guid userId, Func<Guid, Task<UserView?>> fetch) =>
        GetOrFetch(_users, userId, fetch, static view => view is not null ? DateTimeOffset.MaxValue : null);

    /// <summary>
    /// Applies one announcement from the channel, and gives back the receipt its announcer waits for
    /// (<see cref="Guid.Empty"/> if none): confirm it only after this returned, as the copy is gone by then.
    /// </summary>
    public Guid Apply(string? message)
    {
        if (!ChangeMessage.TryParse(message, out var kind, out var id, out var receipt))
        {
            return Guid.Empty;
        }

        // Removing a fetch still in flight is enough: its answer is stored only in place of its own entry.
        if (kind == 's')
        {
            _sessions.TryRemove(id, out _);
        }
        else
        {
            _users.TryRemove(id, out _);
        }

        return receipt;
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
        _sessions.Clear();
        _users.Clear();
    }

    private ValueTask<T> GetOrFetch<T>(
        ConcurrentDictionary<Guid, Entry<T>> entries, Guid key, Func<Guid, Task<T>> fetch, Func<T, DateTimeOffset?> cacheableUntil)
    {
        if (!_trusted)
        {
            return new ValueTask<T>(fetch(key));
        }

        if (entries.TryGetValue(key, out var cached))
        {
            if (cached.Flight is { } shared)
            {
                return new ValueTask<T>(shared);
            }

            if (_time.GetUtcNow() < cached.Until)
            {
                return new ValueTask<T>(cached.Value);
            }
        }

        return new ValueTask<T>(Fetch(entries, key, cached, fetch, cacheableUntil));
    }

    private async Task<T> Fetch<T>(
        ConcurrentDictionary<Guid, Entry<T>> entries, Guid key, Entry<T>? expired, Func<Guid, Task<T>> fetch, Func<T, DateTimeOffset?> cacheableUntil)
    {
        var flight = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var pending = new Entry<T>(flight.Task);
        var claimed = expired is null ? entries.TryAdd(key, pending) : entries.TryUpdate(key, pending, expired);
        if (!claimed)
        {
            // Another request got there first: join its flight, or read the copy it just stored.
            return await GetOrFetch(entries, key, fetch, cacheableUntil);
        }

        var now = _time.GetUtcNow();
        try
        {
            var value = await fetch(key);
            // Only positive answers are kept: a revoked session or a deleted user is asked again, which is rare.
            // An announcement or a lost subscription while fetching removed the pending entry: then nothing is stored.
            if (cacheableUntil(value) is { } until && _trusted)
            {
                entries.TryUpdate(key, new Entry<T>(value, Min(until, now + Age())), pending);
            }
            else
            {
                entries.TryRemove(new KeyValuePair<Guid, Entry<T>>(key, pending));
            }

            flight.SetResult(value);
            return value;
        }
        catch (Exception e)
        {
            entries.TryRemove(new KeyValuePair<Guid, Entry<T>>(key, pending));
            flight.SetException(e);
            throw;
        }
    }

    private TimeSpan Age() => MaxAge * (0.5 + Random.Shared.NextDouble() / 2);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>A stored copy, or (with <see cref="Flight"/>) a fetch in progress that later misses join.</summary>
    private sealed class Entry<T>
    {
        public Entry(T value, DateTimeOffset until)
        {
            Value = value;
            Until = until;
        }

        public Entry(Task<T> flight)
        {
            Flight = flight;
            Value = default!;
        }

        public T Value { get; }
        public DateTimeOffset Until { get; }
        public Task<T>? Flight { get; }
    }
}
