using Microsoft.Extensions.Options;

namespace Grains.Sessions;

/// <summary>
/// A grain hosting records of one kind (<see cref="RecordShard{TState}"/>): every <see cref="RecordShardOptions.SweepEvery"/>
/// it lets records idle for <see cref="RecordShardOptions.IdleAfter"/> leave memory, and when it deactivates it
/// writes what its records hold unwritten, so a planned shutdown loses none of it.
/// </summary>
public abstract class RecordShardGrain<TState>(RecordShard<TState> records, IOptions<RecordShardOptions> options) : Grain
    where TState : class, new()
{
    protected RecordShard<TState> Records { get; } = records;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(
            () => Records.Evict(options.Value.IdleAfter),
            new GrainTimerCreationOptions(options.Value.SweepEvery, options.Value.SweepEvery) { Interleave = true });
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        Records.Evict(TimeSpan.Zero);
}
