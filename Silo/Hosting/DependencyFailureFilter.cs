using Hosting;
using Grains.Interfaces;

namespace Silo.Hosting;

/// <summary>
/// Turns a storage outage inside a grain call into <see cref="DependencyUnavailableException"/>: the
/// driver exceptions do not serialize to clients, and "try again shortly" is the honest answer.
/// </summary>
internal sealed class DependencyFailureFilter(ILogger<DependencyFailureFilter> logger) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception e) when (StorageOutage.IsOutage(e))
        {
            logger.LogWarning("{Grain}.{Method} failed on a storage outage: {Reason}", context.TargetId, context.MethodName, e.Message);
            throw new DependencyUnavailableException($"A backing store is unavailable ({StorageOutage.Describe(e)}).");
        }
    }
}
