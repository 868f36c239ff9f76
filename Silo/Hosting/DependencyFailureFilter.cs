using System.Net.Sockets;
using Grains.Interfaces;
using Npgsql;
using StackExchange.Redis;

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
        catch (Exception e) when (IsOutage(e))
        {
            logger.LogWarning("{Grain}.{Method} failed on a storage outage: {Reason}", context.TargetId, context.MethodName, e.Message);
            throw new DependencyUnavailableException($"A backing store is unavailable ({Describe(e)}).");
        }
    }

    private static bool IsOutage(Exception e) => e switch
    {
        NpgsqlException or RedisException or SocketException => true,
        // Redis grain storage reports a failed read or write with the driver's error only as text.
        Orleans.Persistence.Redis.RedisStorageException => true,
        Orleans.Storage.InconsistentStateException => false,
        _ when e.InnerException is { } inner => IsOutage(inner),
        _ => false,
    };

    private static string Describe(Exception e) => e switch
    {
        NpgsqlException => "PostgreSQL",
        RedisException or Orleans.Persistence.Redis.RedisStorageException => "Redis",
        _ when e.InnerException is { } inner => Describe(inner),
        _ => "network",
    };
}
