namespace Grains.Users;

public enum GuessDecision
{
    /// <summary>The caller may check the password now.</summary>
    Granted,
    /// <summary>As many checks are in flight as failures are still free: wait for their outcome, then ask again.</summary>
    Busy,
    /// <summary>Too many failures: wait the returned time.</summary>
    Throttled,
}

/// <summary>
/// Per-account brake on password guesses: a few free failures, then an exponentially growing wait.
/// Only checks that failed count, so the owner's own parallel logins with the right password pass;
/// and no more checks run at once than failures are still free, so parallel wrong guesses cannot
/// overshoot the count. The count itself (<see cref="GuessRecord"/>) is the owner's to store.
/// Lives in a grain, whose turn-based execution serializes every call.
/// </summary>
public sealed class PasswordGuessThrottle(TimeProvider time, Func<GuessRecord> stored)
{
    public const int FreeFailures = 5;
    private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(15);

    /// <summary>A check not reported within this time is counted as failed (its front end died, or lies).</summary>
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(30);

    // When each check in flight began, oldest first. In memory: after a failover at most the free
    // failures more may be in flight, and their outcomes still count when they are reported.
    private readonly Queue<DateTimeOffset> _inFlight = new();

    private GuessRecord Record => stored();

    /// <summary>Whether a check may start now, the wait when one is due, and whether the stored record changed.</summary>
    public (GuessDecision Decision, TimeSpan Wait, bool RecordChanged) TryBegin()
    {
        var now = time.GetUtcNow();
        var changed = false;
        while (_inFlight.TryPeek(out var began) && now - began >= CheckTimeout)
        {
            _inFlight.Dequeue();
            CountFailure(now);
            changed = true;
        }

        if (now < Record.BlockedUntil)
        {
            return (GuessDecision.Throttled, Record.BlockedUntil - now, changed);
        }

        // Past the free failures, one check at a time: each failure extends the wait before the next.
        if (_inFlight.Count >= Math.Max(1, FreeFailures - Record.Failures))
        {
            return (GuessDecision.Busy, default, changed);
        }

        _inFlight.Enqueue(now);
        return (GuessDecision.Granted, default, changed);
    }

    /// <summary>The outcome of a granted check; true when the record changed.</summary>
    public bool Completed(bool succeeded)
    {
        // The wait runs from when the guess began, as for a guess at an unknown address, so the two look alike.
        var began = _inFlight.TryDequeue(out var oldest) ? oldest : time.GetUtcNow();
        if (succeeded)
        {
            var had = Record.Failures > 0 || Record.BlockedUntil != default;
            Record.Failures = 0;
            Record.BlockedUntil = default;
            return had;
        }

        CountFailure(began);
        return true;
    }

    /// <summary>A granted check that never ran: its place is free again and nothing is counted.</summary>
    public void Abandoned() => _inFlight.TryDequeue(out _);

    /// <summary>A guess that fails by definition (an unknown address): counted at once, or the wait when one is due.</summary>
    public TimeSpan? CountCertainFailure()
    {
        var now = time.GetUtcNow();
        if (now < Record.BlockedUntil)
        {
            return Record.BlockedUntil - now;
        }

        CountFailure(now);
        return null;
    }

    /// <summary>Forgets the failures counted so far (a right answer after guesses counted as they began).</summary>
    public void Forgive()
    {
        Record.Failures = 0;
        Record.BlockedUntil = default;
    }

    private void CountFailure(DateTimeOffset now)
    {
        Record.Failures++;
        if (Record.Failures >= FreeFailures)
        {
            var doublings = Math.Min(Record.Failures - FreeFailures, 10);
            var delay = FirstDelay * (1 << doublings);
            Record.BlockedUntil = now + (delay < MaxDelay ? delay : MaxDelay);
        }
    }
}
