using System.Net.Sockets;
using Orleans.Serialization;

namespace Hosting;

/// <summary>
/// Recognises a backing-store outage in an exception chain, wherever it surfaced: inside a grain call,
/// in a grain's activation (state read) that Orleans answers with a rejection, or on a front end that
/// received the driver's exception from a silo. Drivers are recognised by type name, so a front end
/// classifies them without carrying the PostgreSQL driver or Orleans' Redis storage.
/// </summary>
public static class StorageOutage
{
    private static readonly string[] DriverNamespaces = ["Npgsql", "StackExchange.Redis"];
    private const string Postgres = "Npgsql.NpgsqlException";
    private const string Redis = "StackExchange.Redis.RedisException";

    // Redis grain storage reports a failed read or write with the driver's error only as text.
    private const string RedisStorage = "Orleans.Persistence.Redis.RedisStorageException";

    /// <summary>
    /// Lets the drivers' exceptions cross the wire like .NET's own. Without this a rejected activation
    /// (PostgreSQL down while a grain reads its state) fails to serialize and reaches the caller as a
    /// codec error that says nothing about the outage.
    /// </summary>
    public static void AllowDriverExceptions(ExceptionSerializationOptions options) =>
        options.SupportedNamespacePrefixes.UnionWith(DriverNamespaces);

    public static bool IsOutage(Exception e) => e switch
    {
        SocketException => true,
        _ when Is(e, Postgres) || Is(e, Redis) || Is(e, RedisStorage) => true,
        Orleans.Storage.InconsistentStateException => false,
        // A driver exception whose type the receiving side would not load arrives under its name.
        UnavailableExceptionFallbackException { ExceptionType: { } type } when FromDriver(type) => true,
        _ when e.InnerException is { } inner => IsOutage(inner),
        _ => false,
    };

    public static string Describe(Exception e) => e switch
    {
        _ when Is(e, Postgres) => "PostgreSQL",
        _ when Is(e, Redis) || Is(e, RedisStorage) => "Redis",
        UnavailableExceptionFallbackException { ExceptionType: { } type } when FromDriver(type) =>
            type.StartsWith("Npgsql", StringComparison.Ordinal) ? "PostgreSQL" : "Redis",
        _ when e.InnerException is { } inner => Describe(inner),
        _ => "network",
    };

    /// <summary>Whether the exception is of the named type or derives from it.</summary>
    private static bool Is(Exception e, string typeName)
    {
        for (var type = e.GetType(); type is not null; type = type.BaseType)
        {
            if (type.FullName == typeName)
            {
                return true;
            }
        }

        return false;
    }

    private static bool FromDriver(string typeName) =>
        DriverNamespaces.Any(ns => typeName.StartsWith(ns + ".", StringComparison.Ordinal));
}
