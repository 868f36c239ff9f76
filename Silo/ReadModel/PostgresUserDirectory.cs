using Grains.ReadModel;
using Grains.Interfaces.Users;
using Npgsql;

namespace Silo.ReadModel;

/// <summary>The users read model as a PostgreSQL table (created with the storage schema), one list per service.</summary>
public sealed class PostgresUserDirectory(string connectionString, string serviceId) : IUserDirectory
{
    private readonly NpgsqlDataSource _db = NpgsqlDataSource.Create(connectionString);

    public async Task Apply(UserEvent userEvent, CancellationToken cancellationToken)
    {
        // Only a newer (or the same) version replaces a row, so replays and late arrivals change nothing.
        await using var command = _db.CreateCommand("""
            INSERT INTO user_directory (id, name, email, permissions, created_at, updated_at, version, active, service_id)
            VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8)
            ON CONFLICT (service_id, id) DO UPDATE
               SET name = EXCLUDED.name, email = EXCLUDED.email, permissions = EXCLUDED.permissions,
                   updated_at = EXCLUDED.updated_at, version = EXCLUDED.version, active = EXCLUDED.active
             WHERE user_directory.version <= EXCLUDED.version
            """);
        command.Parameters.AddWithValue(userEvent.UserId);
        command.Parameters.AddWithValue(userEvent.Data.Name);
        command.Parameters.AddWithValue(userEvent.Data.Email);
        command.Parameters.AddWithValue(userEvent.Data.Permissions.ToArray());
        command.Parameters.AddWithValue(userEvent.OccurredAt);
        command.Parameters.AddWithValue(userEvent.Version);
        command.Parameters.AddWithValue(userEvent.Type != UserEvent.Deleted);
        command.Parameters.AddWithValue(serviceId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<UserPage> Search(UserQuery query, CancellationToken cancellationToken)
    {
        var email = query.Email is null ? null : EmailAddress.Normalize(query.Email);
        await using var command = _db.CreateCommand("""
            SELECT id, name, email, permissions, created_at, updated_at, version, count(*) OVER () AS total
              FROM user_directory
             WHERE service_id = $4 AND active AND ($1::text IS NULL OR email = $1)
             ORDER BY created_at, id
             LIMIT $2 OFFSET $3
            """);
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Text, (object?)email ?? DBNull.Value);
        command.Parameters.AddWithValue(query.PageSize);
        command.Parameters.AddWithValue((long)(query.Page - 1) * query.PageSize);
        command.Parameters.AddWithValue(serviceId);
        var items = new List<UserView>();
        long total = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new UserView(
                reader.GetGuid(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetFieldValue<string[]>(3),
                reader.GetFieldValue<DateTimeOffset>(4),
                reader.GetFieldValue<DateTimeOffset>(5),
                reader.GetInt64(6)));
            total = reader.GetInt64(7);
        }

        // A page past the end has no rows to carry the total.
        if (items.Count == 0 && query.Page > 1)
        {
            total = await Count(email, cancellationToken);
        }

        return new UserPage(items, total);
    }

    private async Task<long> Count(string? email, CancellationToken cancellationToken)
    {
        await using var command = _db.CreateCommand("SELECT count(*) FROM user_directory WHERE service_id = $2 AND active AND ($1::text IS NULL OR email = $1)");
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Text, (object?)email ?? DBNull.Value);
        command.Parameters.AddWithValue(serviceId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
