using System.Net.Sockets;
using Npgsql;
using Orleans.Serialization;
using StackExchange.Redis;

namespace Silo.Hosting;

/// <summary>
/// Recognises a backing-store outage in an exception chain, wherever it surfaced: inside a grain call,
/// in a grain's activation (state read) that Orleans answers with a rejection, or on a front end that
/// received the driver's exception from a silo.
/// </summary>
public static class StorageOutage
{
    private static readonly string[] DriverNamespaces = ["Npgsql", "StackExchange.Redis"];

    /// <summary>
    /// Lets the drivers' exceptions cross the wire like .NET's own. Without this a rejected activation
    /// (PostgreSQL down while a grain reads its state) fails to serialize and reaches the caller as a
    /// codec error that says nothing about the outage.
    /// </summary>
    public static void AllowDriverExceptions(ExceptionSerializationOptions options) =>
        options.SupportedNamespacePrefixes.UnionWith(DriverNamespaces);

    public static bool IsOutage(Exception e) => e switch
    {
        NpgsqlException or RedisException or SocketException => true,
        // Redis grain storage reports a failed read or write with the driver's error only as text.
        Orleans.Persistence.Redis.RedisStorageException => true,
        Orleans.Storage.InconsistentStateException => false,
        // A driver exception whose type the receiving side would not load arrives under its name.
        UnavailableExceptionFallbackException { ExceptionType: { } type } when FromDriver(type) => true,
        _ when e.InnerException is { } inner => IsOutage(inner),
        _ => false,
    };

    public static string Describe(Exception e) => e switch
    {
        NpgsqlException => "PostgreSQL",
        RedisException or Orleans.Persistence.Redis.RedisStorageException => "Redis",
        UnavailableExceptionFallbackException { ExceptionType: { } type } when FromDriver(type) =>
            type.StartsWith("Npgsql", StringComparison.Ordinal) ? "PostgreSQL" : "Redis",
        _ when e.InnerException is { } inner => Describe(inner),
        _ => "network",
    };

    private static bool FromDriver(string typeName) =>
        DriverNamespaces.Any(ns => typeName.StartsWith(ns + ".", StringComparison.Ordinal));
}
