namespace Hosting.Failover;

/// <summary>
/// Bounds a grain call caught by a silo's loss: a call still unanswered <see cref="Grace"/> after a gateway connection
/// closed fails with <see cref="SiloUnavailableException"/> (a front end answers 503) instead of waiting out the whole
/// response timeout (GRAIN_CALL_TIMEOUT) for an answer that died with the silo. Calls that start after the loss, and
/// calls with no loss during them, keep the full response timeout, so a store that is merely slow is still waited for.
/// Reads do not wait this long: <see cref="ReadRetry"/> asks them again sooner.
/// </summary>
public sealed class SiloLossCallFilter(SiloLossSignal signal, TimeProvider time) : IOutgoingGrainCallFilter
{
    /// <summary>
    /// How long a call in flight at a silo's loss may still take. A call to a surviving silo is answered in
    /// milliseconds, and within a second on a loaded machine; one whose answer was lost is never answered. The front
    /// end notices a killed silo's closed connection up to a second or so after the kill (the kernel closes a dying
    /// process's sockets after freeing its memory), so this keeps every write in flight at a silo's death answered
    /// within 5 s of it.
    /// </summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(2.5);

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        var call = context.Invoke();
        // Without throwing: this ends when the call does or when a silo is lost, whichever is first.
        await call.WaitAsync(signal.NextLoss).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!call.IsCompleted && !await AnsweredWithin(call, Grace, time).ConfigureAwait(false))
        {
            throw new SiloUnavailableException(
                $"{context.InterfaceName}.{context.MethodName} was unanswered {Grace.TotalSeconds:F1} s after a silo of the cluster was lost; " +
                "its answer is taken as lost with that silo (a write may or may not have happened).");
        }

        await call.ConfigureAwait(false);
    }

    /// <summary>
    /// After a silo's loss, waits <paramref name="grace"/> more for <paramref name="call"/>. True once it has completed
    /// (its outcome, a failure included, is the caller's to await); false if it is still unanswered, and it is abandoned.
    /// </summary>
    internal static async Task<bool> AnsweredWithin(Task call, TimeSpan grace, TimeProvider time)
    {
        await call.WaitAsync(grace, time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (call.IsCompleted)
        {
            return true;
        }

        Abandon(call);
        return false;
    }

    /// <summary>An abandoned call still ends, with Orleans' own timeout; its failure is observed so it is not reported as unobserved.</summary>
    internal static void Abandon(Task call) =>
        _ = call.ContinueWith(static c => c.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
}
