namespace Hosting.Failover;

/// <summary>
/// Tells grain calls in flight that a silo went away: the cluster client's connection to one of its gateways closed
/// (a killed process's connections close at once; those of a silo whose machine vanished are closed when the gateway
/// list, refreshed every GatewayListRefreshPeriod, no longer holds it after its death is declared). Orleans itself fails a client's call already sent to a silo that died only when the
/// response timeout runs out: nothing on the client breaks such a call, and the gateway that forwarded it keeps no
/// record of it. <see cref="SiloLossCallFilter"/> acts on this signal.
/// </summary>
public sealed class SiloLossSignal
{
    private CancellationTokenSource _next = new();

    /// <summary>Cancelled at the next loss of a gateway connection.</summary>
    public CancellationToken NextLoss => Volatile.Read(ref _next).Token;

    /// <summary>Wired to the client's gateway count: only a drop is a loss.</summary>
    public void OnGatewayCountChanged(object? sender, GatewayCountChangedEventArgs change)
    {
        if (change.NumberOfConnectedGateways < change.PreviousNumberOfConnectedGateways)
        {
            // Not disposed: calls that took the old token may still be registering on it.
            Interlocked.Exchange(ref _next, new CancellationTokenSource()).Cancel();
        }
    }
}
