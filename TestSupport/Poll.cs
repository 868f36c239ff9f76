namespace TestSupport;

/// <summary>Waits for an eventually consistent outcome (a read model, membership) without fixed sleeps.</summary>
public static class Poll
{
    /// <summary>Probes until <paramref name="done"/> holds or time runs out; returns the last value either way.</summary>
    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, int seconds = 15, bool toleratingErrors = false)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            try
            {
                var value = await probe();
                if (done(value) || DateTime.UtcNow > deadline)
                {
                    return value;
                }
            }
            catch (Exception) when (toleratingErrors && DateTime.UtcNow < deadline)
            {
                // The cluster may be reconfiguring; ask again.
            }

            await Task.Delay(100);
        }
    }
}
