using Grains;
using Grains.Users;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Storage;
using StackExchange.Redis;

namespace Tests.Integration;

/// <summary>
/// Records byte for byte as the release before the compact stored format wrote them (main at b40759d, Orleans'
/// default storage serializer: Newtonsoft JSON with <c>$type</c> names), captured from a silo of that release on
/// Redis and PostgreSQL: a user created and then given a new password, and one session of theirs whose refresh
/// token was rotated once.
/// </summary>
internal static class PreviousRelease
{
    public static readonly Guid UserId = Guid.Parse("019acd2e-0000-7000-8000-000000000014");
    public static readonly Guid SessionId = Guid.Parse("019acd2e-0000-7000-8000-000000000015");

    /// <summary>The token hash the session was started with, then rotated away.</summary>
    public const string RetiredRefreshHash = "old refresh token hash";
    public const string CurrentRefreshHash = "current refresh token hash";

    public static byte[] User => Captured("user.json");
    public static byte[] Session => Captured("session.json");
    public static byte[] UserSessions => Captured("user-sessions.json");

    /// <summary>Puts the three records where a cluster of <paramref name="service"/> reads them.</summary>
    public static async Task Store(WebApplication silo, string service, ConnectionMultiplexer redis, GrainId user, GrainId session, GrainId userSessions)
    {
        var db = redis.GetDatabase();
        await db.HashSetAsync($"{service}/state/{session}/session", [new("etag", "previous-release"), new("data", Session)]);
        await db.HashSetAsync($"{service}/state/{userSessions}/userSessions", [new("etag", "previous-release"), new("data", UserSessions)]);

        // The row's key columns (hashes of the grain id) come from the provider's own write; its payload is then
        // replaced by what the previous release stored.
        await silo.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Users).WriteStateAsync("user", user, new GrainState<UserState>(new()));
        await using var connection = new NpgsqlConnection(ExternalServices.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("UPDATE grain_state SET payload = @payload WHERE service_id = @service AND state_name = 'user'", connection);
        command.Parameters.AddWithValue("payload", User);
        command.Parameters.AddWithValue("service", service);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    private static byte[] Captured(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "PreviousRelease", name));
}
