using Grains.ReadModel;
using Grains.Interfaces.Users;
using Npgsql;

namespace Silo.ReadModel;

/// <summary>The users read model as a PostgreSQL table (created with the storage schema), one list per service.</summary>
public sealed class PostgresUserDirectory : IUserDirectory
{
    private readonly NpgsqlDataSource _db;
    private readonly string _serviceId;

    private readonly UserDirectoryBatcher _writes;

    /// <param name="time">Paces the batches of writes (<see cref="UserDirectoryBatcher.Linger"/>); the system clock unless a test says otherwise.</param>
    public PostgresUserDirectory(string connectionString, string serviceId, TimeProvider? time = null)
    {
        _db = NpgsqlDataSource.Create(connectionString);
        _serviceId = serviceId;
        _writes = new UserDirectoryBatcher(_db, serviceId, time ?? TimeProvider.System);
    }

    /// <summary>Stored together with the events other users' projections apply at the same time (one transaction).</summary>
    public Task Apply(UserEvent userEvent, CancellationToken cancellationToken) => _writes.Apply(userEvent, cancellationToken);

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
        command.Parameters.AddWithValue(_serviceId);
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
        command.Parameters.AddWithValue(_serviceId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
