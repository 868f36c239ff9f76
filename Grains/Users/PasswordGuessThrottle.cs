namespace Grains.Users;

/// <summary>
/// Per-account brake on password guesses: a few free failures, then an exponentially growing wait.
/// Lives in the user grain, whose turn-based execution serializes every check.
/// </summary>
public sealed class PasswordGuessThrottle(TimeProvider time)
{
    public const int FreeFailures = 5;
    private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(15);

    private int _failures;
    private DateTimeOffset _blockedUntil;

    /// <summary>Counts an attempt as failed up front; returns the wait instead when one is due.</summary>
    public TimeSpan? TryBeginAttempt()
    {
        var now = time.GetUtcNow();
        if (now < _blockedUntil)
        {
            return _blockedUntil - now;
        }

        _failures++;
        if (_failures >= FreeFailures)
        {
            var doublings = Math.Min(_failures - FreeFailures, 10);
            var delay = FirstDelay * (1 << doublings);
            _blockedUntil = now + (delay < MaxDelay ? delay : MaxDelay);
        }

        return null;
    }

    public void Succeeded()
    {
        _failures = 0;
        _blockedUntil = default;
    }
}
