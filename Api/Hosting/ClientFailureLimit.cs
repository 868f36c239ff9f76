namespace Api.Hosting;

/// <summary>
/// Per client address (IPv6: per /64), what a credential stuffer does in a minute: failed logins,
/// registrations, reset requests. Successful logins are not counted, so an office behind one NAT is not
/// locked out by its own users. A request holds a place while it runs, so a burst sent at once cannot
/// overshoot the limit before its failures are counted.
/// </summary>
public sealed class ClientFailureLimit(TimeProvider time, int permitsPerMinute)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Client> _clients = [];
    private DateTimeOffset _nextSweep;

    /// <summary>Takes a place for one request; false with the wait when the client's failures and running requests fill the limit.</summary>
    public bool TryBegin(string client, out TimeSpan retryAfter)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            Sweep(now);
            var entry = Current(client, now);
            if (entry.Failures + entry.Running >= permitsPerMinute)
            {
                retryAfter = entry.WindowEnds - now;
                return false;
            }

            entry.Running++;
            retryAfter = TimeSpan.Zero;
            return true;
        }
    }

    /// <summary>Gives the place back; a request that counts stays counted until its window ends.</summary>
    public void End(string client, bool counts)
    {
        lock (_gate)
        {
            var entry = Current(client, time.GetUtcNow());
            entry.Running = Math.Max(0, entry.Running - 1);
            if (counts)
            {
                entry.Failures++;
            }
        }
    }

    private Client Current(string client, DateTimeOffset now)
    {
        if (!_clients.TryGetValue(client, out var entry))
        {
            entry = new Client { WindowEnds = now + Window };
            _clients[client] = entry;
        }
        else if (entry.WindowEnds <= now)
        {
            entry.WindowEnds = now + Window;
            entry.Failures = 0;
        }

        return entry;
    }

    // Forgets idle clients once a window, so addresses seen once do not pile up.
    private void Sweep(DateTimeOffset now)
    {
        if (now < _nextSweep)
        {
            return;
        }

        _nextSweep = now + Window;
        foreach (var idle in _clients.Where(c => c.Value.WindowEnds <= now && c.Value.Running == 0).Select(c => c.Key).ToList())
        {
            _clients.Remove(idle);
        }
    }

    private sealed class Client
    {
        public DateTimeOffset WindowEnds { get; set; }
        public int Failures { get; set; }
        public int Running { get; set; }
    }
}
