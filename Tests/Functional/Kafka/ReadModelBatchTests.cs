using Grains.Interfaces.Users;
using Npgsql;
using Silo.Persistence;
using Silo.ReadModel;

namespace Tests.Kafka;

/// <summary>
/// The read model writes the events many users' projections apply at once in one transaction, one row write per
/// user: against the real PostgreSQL, that must keep each user's newest version whatever order its events arrive in,
/// the creation time of their first event, and let one event the database refuses fail alone.
/// </summary>
public sealed class ReadModelBatchTests
{
    private static readonly DateTimeOffset Created = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    [Fact]
    public async Task Events_applied_at_once_are_all_stored_and_one_refused_event_fails_alone()
    {
        var (directory, service) = await FreshDirectory();
        var users = Enumerable.Range(0, 30).Select(_ => Guid.NewGuid()).ToList();

        // Each user's creation and two updates, all in flight together; one user's last name holds a NUL, which PostgreSQL refuses in text.
        var refused = users[7];
        var applies = users.SelectMany(id => new[]
        {
            directory.Apply(Event(id, UserEvent.Created, 1, "v1", Created), CancellationToken.None),
            directory.Apply(Event(id, UserEvent.Updated, 2, "v2", Created.AddMinutes(1)), CancellationToken.None),
            directory.Apply(Event(id, UserEvent.Updated, 3, id == refused ? "bad\0name" : "v3", Created.AddMinutes(2)), CancellationToken.None),
        }).ToList();
        var outcomes = await Task.WhenAll(applies.Select(async t =>
        {
            try
            {
                await t;
                return true;
            }
            catch (PostgresException)
            {
                return false;
            }
        }));

        Assert.Equal(users.Count * 3 - 1, outcomes.Count(ok => ok));
        var rows = await Rows(service);
        Assert.Equal(users.Count, rows.Count);
        Assert.All(users.Where(id => id != refused), id => Assert.Equal(("v3", 3L, Created), rows[id]));
        Assert.Equal(("v2", 2L, Created), rows[refused]);
    }

    [Fact]
    public async Task A_batch_keeps_each_users_newest_event_whatever_order_they_arrive_in()
    {
        var (directory, service) = await FreshDirectory();
        var users = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToList();

        // Applied together, so they share a batch: the creation, then the newest change, then an older one redelivered,
        // and two events of one change (same version, the later sequence is the newer).
        await Task.WhenAll(users.SelectMany(id => new[]
        {
            directory.Apply(Event(id, UserEvent.Created, 1, "v1", Created), CancellationToken.None),
            directory.Apply(Event(id, UserEvent.Updated, 3, "v3", Created.AddMinutes(2), sequence: 4), CancellationToken.None),
            directory.Apply(Event(id, UserEvent.PasswordChanged, 3, "v3 password", Created.AddMinutes(2), sequence: 5), CancellationToken.None),
            directory.Apply(Event(id, UserEvent.Updated, 2, "v2", Created.AddMinutes(1)), CancellationToken.None),
        }));

        var rows = await Rows(service);
        Assert.Equal(users.Count, rows.Count);
        Assert.All(users, id => Assert.Equal(("v3 password", 3L, Created), rows[id]));

        // A later batch with an older event changes nothing either.
        await directory.Apply(Event(users[0], UserEvent.Updated, 2, "v2 again", Created.AddMinutes(1)), CancellationToken.None);
        Assert.Equal(("v3 password", 3L, Created), (await Rows(service))[users[0]]);
    }

    /// <summary>A read model of its own (a fresh service id) on the test run's PostgreSQL.</summary>
    private static async Task<(PostgresUserDirectory Directory, string Service)> FreshDirectory()
    {
        await PostgresSchema.EnsureCreatedAsync(ExternalServices.PostgresConnectionString, CancellationToken.None);
        var service = $"batch-{Guid.NewGuid():N}";
        return (new PostgresUserDirectory(ExternalServices.PostgresConnectionString, service), service);
    }

    private static UserEvent Event(Guid userId, string type, long version, string name, DateTimeOffset at, long? sequence = null) =>
        new(Guid.CreateVersion7(), type, userId, version, sequence ?? version, at, new UserEventData(name, $"{userId:N}@example.com", [], false, false));

    private static async Task<Dictionary<Guid, (string Name, long Version, DateTimeOffset CreatedAt)>> Rows(string service)
    {
        await using var connection = new NpgsqlConnection(ExternalServices.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id, name, version, created_at FROM user_directory WHERE service_id = $1", connection);
        command.Parameters.AddWithValue(service);
        var rows = new Dictionary<Guid, (string, long, DateTimeOffset)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows[reader.GetGuid(0)] = (reader.GetString(1), reader.GetInt64(2), reader.GetFieldValue<DateTimeOffset>(3));
        }

        return rows;
    }
}
