using Npgsql;

namespace Tests.Infrastructure;

/// <summary>
/// The users a service holds in PostgreSQL grain storage. A write is stored before it is acknowledged,
/// so this count is exact the moment the answers are in, unlike the read model, which trails the events.
/// </summary>
public static class StoredUsers
{
    public static async Task<long> Count(string serviceId)
    {
        await using var connection = new NpgsqlConnection(ExternalServices.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM grain_state WHERE service_id = $1 AND state_name = 'user'", connection);
        command.Parameters.AddWithValue(serviceId);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
