namespace Grains;

/// <summary>The grain storage providers the silo must register.</summary>
public static class StorageNames
{
    /// <summary>Users, the email index and the signing key ring: durable, PostgreSQL in production.</summary>
    public const string Users = "users";

    /// <summary>Sessions: short-lived and hot, Redis in production.</summary>
    public const string Sessions = "sessions";
}
