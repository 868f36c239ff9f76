namespace Hosting.Failover;

/// <summary>
/// Bounds a grain call caught by a silo's loss: a call still unanswered <see cref="Grace"/> after a gateway connection
/// closed fails with <see cref="SiloUnavailableException"/> (a front end answers 503, or retries a read, see
/// <see cref="ReadRetry"/>) instead of waiting out the whole response timeout (GRAIN_CALL_TIMEOUT) for an answer
/// that died with the silo. Calls that start after the loss, and calls with no loss during them, keep the full
/// response timeout, so a store that is merely slow is still waited for.
/// </summary>
public sealed class SiloLossCallFilter(SiloLossSignal signal, TimeProvider time) : IOutgoingGrainCallFilter
{
    /// <summary>
    /// How long a call in flight at a silo's loss may still take. A call to a surviving silo is answered in
    /// milliseconds, and in a second or two on a loaded machine; one whose answer was lost is never answered. With
    /// the loss noticed at once, this keeps every request in flight at a silo's death answered within 5 s.
    /// </summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(3);

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        var loss = signal.NextLoss;
        var call = context.Invoke();
        try
        {
            await call.WaitAsync(loss).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException) when (loss.IsCancellationRequested)
        {
            // A silo was lost while this call was in flight (or the call itself was cancelled: awaited below).
        }

        try
        {
            await call.WaitAsync(Grace, time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            if (call.IsCompleted)
            {
                // Answered as the grace ran out, or the call's own timeout: its outcome stands.
                await call.ConfigureAwait(false);
                return;
            }

            // The abandoned call still ends, with Orleans' own timeout; observe it so it is not reported as unobserved.
            _ = call.ContinueWith(static c => c.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
            throw new SiloUnavailableException(
                $"{context.InterfaceName}.{context.MethodName} was unanswered {Grace.TotalSeconds:F0} s after a silo of the cluster was lost; " +
                "its answer is taken as lost with that silo (a write may or may not have happened).");
        }
    }
}
