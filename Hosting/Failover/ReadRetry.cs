using Orleans.Runtime.Messaging;

namespace Hosting.Failover;

/// <summary>
/// Retries a read that failed because a silo was lost: the grain is activated again on a survivor once the cluster
/// declares the silo dead (seconds, see the membership settings in SiloSetup), so a read that a pause lets past that
/// point is answered instead of failing. Only reads: a write whose answer was lost may have happened, and is
/// answered 503 for the client to decide.
/// </summary>
public static class ReadRetry
{
    /// <summary>Retries after a pause of this much, so the second try lands after the death is declared.</summary>
    public static readonly TimeSpan Pause = TimeSpan.FromSeconds(1);

    /// <summary>At most this many retries: a cluster that cannot answer still gets a prompt 503.</summary>
    public const int Retries = 2;

    public static async Task<T> Run<T>(Func<Task<T>> read, TimeProvider time, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await read();
            }
            catch (Exception e) when (attempt < Retries && IsSiloLoss(e))
            {
                await Task.Delay(Pause, time, cancellationToken);
            }
        }
    }

    // A call that died with its silo (SiloUnavailableException, from Orleans or SiloLossCallFilter), or one the
    // cluster bounced while the dead silo still looked alive to it (a rejection, a refused connection).
    private static bool IsSiloLoss(Exception e) =>
        e is SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException
        || (e.InnerException is { } inner && IsSiloLoss(inner));
}
