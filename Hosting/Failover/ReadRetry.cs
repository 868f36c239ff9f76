using Orleans.Runtime.Messaging;

namespace Hosting.Failover;

/// <summary>
/// Asks a read again when a silo's loss caught it: the grain is activated again on a survivor once the cluster declares
/// the silo dead (1–2 s after a kill, see the membership settings in SiloSetup), so the read is answered from there
/// instead of failing. A read in flight when a gateway connection closes gets <see cref="Grace"/> to answer (a survivor
/// answers in milliseconds) and is then asked again; tries follow every <see cref="Pause"/> until
/// <see cref="Window"/> after the first failure, each bounded by what is left of it, and then the read fails as
/// unavailable (503). So a read caught by a silo's loss is answered within Grace + Window of the loss. Only reads: a
/// write whose answer was lost may have happened, and is answered 503 for the client to decide
/// (<see cref="SiloLossCallFilter"/>). A read with no loss during it keeps the whole grain-call timeout.
/// </summary>
public sealed class ReadRetry(SiloLossSignal signal, TimeProvider time)
{
    /// <summary>How long a read in flight at a silo's loss may still take before it is asked again.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);

    /// <summary>The pause before each new try: short, as a try that reaches the dead silo early fails at once.</summary>
    public static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(250);

    /// <summary>How long after the first failure new tries go on; together with the grace, the bound on a read caught by a loss.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(3);

    public async Task<T> Run<T>(Func<Task<T>> read)
    {
        var first = read();
        // Without throwing: this ends when the read does or when a silo is lost, whichever is first.
        await ((Task)first).WaitAsync(signal.NextLoss).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (first.IsCompleted || await SiloLossCallFilter.AnsweredWithin(first, Grace, time).ConfigureAwait(false))
        {
            try
            {
                return await first.ConfigureAwait(false);
            }
            catch (Exception e) when (IsSiloLoss(e))
            {
            }
        }

        var giveUpAt = time.GetUtcNow() + Window;
        while (true)
        {
            var left = giveUpAt - time.GetUtcNow() - Pause;
            if (left <= TimeSpan.Zero)
            {
                throw new SiloUnavailableException(
                    $"A read was not answered within {(Grace + Window).TotalSeconds:F0} s of a silo's loss; the grain is not yet active on a survivor.");
            }

            await Task.Delay(Pause, time).ConfigureAwait(false);
            var again = read();
            try
            {
                return await again.WaitAsync(left, time).ConfigureAwait(false);
            }
            catch (TimeoutException) when (!again.IsCompleted)
            {
                SiloLossCallFilter.Abandon(again);
            }
            catch (Exception e) when (IsSiloLoss(e))
            {
            }
        }
    }

    // A call that died with its silo (SiloUnavailableException, from Orleans or SiloLossCallFilter), or one the
    // cluster bounced while the dead silo still looked alive to it (a rejection, a refused connection).
    private static bool IsSiloLoss(Exception e) =>
        e is SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException
        || (e.InnerException is { } inner && IsSiloLoss(inner));
}
