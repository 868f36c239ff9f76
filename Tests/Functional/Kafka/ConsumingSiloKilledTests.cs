using Confluent.Kafka;
using Grains.Interfaces.Users;
using Npgsql;
using Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tests.Kafka;

/// <summary>
/// Two silos consume user events from the mock brokers into the PostgreSQL read model; the silo reading the
/// most partitions is killed with SIGKILL while the events it has read are still being delivered. The window
/// is widened by holding a row lock on the read model's rows, so every user's next event is read and in
/// flight, never delivered, at the moment of the kill. Whatever silo takes those partitions over must read
/// them again: nothing may have been committed past them.
/// </summary>
public sealed class ConsumingSiloKilledTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int UserCount = 24;
    private const string StreamProvider = global::Grains.UserEventStream.Provider;
    private const string Receiver = "Streaming.Kafka.KafkaQueueAdapterReceiver";

    private TwoSiloCluster _cluster = null!;

    // Each receiver logs the partition it is assigned: that is how the test knows which silo reads what.
    public async Task InitializeAsync() => _cluster = await TwoSiloCluster.Start(
        "consuming", ($"Logging__LogLevel__{Receiver}", "Information"), ("Logging__Console__TimestampFormat", "HH:mm:ss.fff "));

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task Events_in_flight_on_a_killed_consuming_silo_all_reach_the_read_model_and_kafka_without_gaps()
    {
        var grains = _cluster.Grains;
        await _cluster.BothActive();
        // Both silos read partitions before anything is written (the queue balancer has spread them).
        await Poll.Until(() => Task.FromResult(PartitionHolders()), h => h.Count == KafkaFrontEndsFixture.Partitions && h.Values.Distinct().Count() == 2, seconds: 60);

        var users = Enumerable.Range(0, UserCount).Select(_ => Guid.NewGuid()).ToList();
        var deleted = users.Where((_, i) => i % 4 == 0).ToHashSet();
        await Task.WhenAll(users.Select(id => Succeeds(() => grains.GetGrain<IUserGrain>(id).Create(
            new CreateUser("Created", $"consuming-{id:N}@example.com", "$argon2id$h", [])))));
        await Poll.Until(() => DirectoryRows(), rows => rows.Count(r => r.Active) == UserCount, seconds: 60);

        // Hold every row of this service: each user's next event is read and handed to its projection, which waits.
        await using var holder = new NpgsqlConnection(ExternalServices.PostgresConnectionString);
        await holder.OpenAsync();
        await using var hold = await holder.BeginTransactionAsync();
        await using (var lockRows = new NpgsqlCommand("SELECT id FROM user_directory WHERE service_id = $1 FOR UPDATE", holder, hold))
        {
            lockRows.Parameters.AddWithValue(_cluster.ServiceId);
            await lockRows.ExecuteNonQueryAsync();
        }

        await Task.WhenAll(users.Select(async id =>
        {
            var user = grains.GetGrain<IUserGrain>(id);
            await Succeeds(() => user.Update(new UpdateUser(Name: "First rename")));
            await Succeeds(() => user.Update(new UpdateUser(Name: "Second rename")));
            if (deleted.Contains(id))
            {
                Assert.True(await user.Deactivate());
            }
        }));
        // Every event is on Kafka, and the read model's writes of the first ones after the lock are waiting on it.
        const int Written = UserCount * 3 + UserCount / 4;
        var onKafka = await Poll.Until(() => Task.FromResult(KafkaFrontEndsFixture.ReadAll(_cluster.Kafka.BootstrapServers)), r => r.Count == Written, seconds: 60);
        Assert.Equal(Written, onKafka.Count);
        var firstUndelivered = onKafka.Where(r => UserEvent.FromJson(r.Message.Value).Type != UserEvent.Created)
            .GroupBy(r => r.Partition.Value).ToDictionary(g => g.Key, g => g.Min(r => r.Offset.Value));
        await Poll.Until(() => ProjectionsWaitingOn(holder), n => n > 0, seconds: 60);

        // The consuming group commits what was delivered (every creation) and stops at the first event still in flight.
        var committed = await Poll.Until(() => Task.FromResult(Committed()), c => firstUndelivered.All(f => c[f.Key] >= f.Value), seconds: 30);
        Assert.All(firstUndelivered, f => Assert.Equal(f.Value, committed[f.Key]));

        var holders = PartitionHolders();
        var victim = Enumerable.Range(0, _cluster.Silos.Count).MaxBy(s => firstUndelivered.Keys.Count(p => holders[p] == s));
        output.WriteLine($"partitions per silo: {string.Join(", ", Enumerable.Range(0, _cluster.Silos.Count).Select(s => holders.Values.Count(h => h == s)))}; " +
            $"killing silo {victim}, which reads {firstUndelivered.Keys.Count(p => holders[p] == victim)} of the {firstUndelivered.Count} partitions with events in flight");
        Assert.Contains(firstUndelivered.Keys, p => holders[p] == victim);
        _cluster.Silos[victim].Kill();
        await hold.RollbackAsync();

        // Writes go on through the failover: grains that lived on the dead silo answer once it is declared dead.
        var survivors = users.Where(id => !deleted.Contains(id)).ToList();
        await Task.WhenAll(survivors.Select(id => Succeeds(() => grains.GetGrain<IUserGrain>(id).Update(new UpdateUser(Name: "After the kill")))));

        // What the users' grains say now is what the writes amounted to (an answer lost in the kill included).
        var truth = new Dictionary<Guid, UserView?>();
        foreach (var id in users)
        {
            truth[id] = await grains.GetGrain<IUserGrain>(id).Get();
        }

        Assert.All(deleted, id => Assert.Null(truth[id]));
        Assert.All(survivors, id => Assert.Equal("After the kill", truth[id]!.Name));

        var rows = await Poll.Until(() => DirectoryRows(), r => Matches(r, truth), seconds: 120);
        Assert.Equal(UserCount, rows.Count);
        foreach (var row in rows)
        {
            var expected = truth[row.Id];
            Assert.Equal(expected is not null, row.Active);
            if (expected is not null)
            {
                Assert.Equal((expected.Name, expected.Version), (row.Name, row.Version));
            }
        }

        // An outside consumer reads every user's sequence 1..n without a gap, ending in what the grain says.
        var records = KafkaFrontEndsFixture.ReadAll(_cluster.Kafka.BootstrapServers);
        var byUser = records.GroupBy(r => Guid.Parse(r.Message.Key)).ToDictionary(g => g.Key, g => g.Select(r => UserEvent.FromJson(r.Message.Value)).ToList());
        Assert.Equal(users.ToHashSet(), byUser.Keys.ToHashSet());
        var duplicates = 0;
        foreach (var id in users)
        {
            var events = byUser[id];
            var sequences = events.Select(e => e.Sequence).Distinct().Order().ToList();
            Assert.Equal(Enumerable.Range(1, sequences.Count).Select(s => (long)s), sequences);
            // A repeat is the same event published again (at-least-once), never a different event under a used number.
            Assert.All(events.GroupBy(e => e.Sequence), g => Assert.Single(g.Select(e => e.Id).Distinct()));
            duplicates += events.Count - sequences.Count;

            var last = events.MaxBy(e => e.Sequence)!;
            var row = rows.Single(r => r.Id == id);
            Assert.Equal(row.Version, last.Version);
            if (truth[id] is { } view)
            {
                Assert.Equal((UserEvent.Updated, view.Name, view.Version), (last.Type, last.Data.Name, last.Version));
            }
            else
            {
                Assert.Equal(UserEvent.Deleted, last.Type);
                // created, two renames, deleted: nothing was written to a deleted user after the kill.
                Assert.Equal(4, sequences.Count);
            }
        }

        output.WriteLine($"{records.Count} records for {UserCount} users on Kafka, {duplicates} of them republished");
    }

    private static bool Matches(List<DirectoryRow> rows, Dictionary<Guid, UserView?> truth) =>
        rows.Count == truth.Count && rows.All(r => truth[r.Id] is { } v
            ? r.Active && r.Name == v.Name && r.Version == v.Version
            : !r.Active);

    /// <summary>Retries a write until the cluster acknowledges it: calls to grains of a dead silo fail until it is declared dead.</summary>
    private static async Task Succeeds(Func<Task<UserWriteResult>> write)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            try
            {
                var result = await write();
                if (result.Status == UserWriteStatus.Ok) return;
                Assert.True(DateTime.UtcNow < deadline, $"the write kept answering {result.Status}");
            }
            catch (Exception e) when (e is OrleansException or TimeoutException && DateTime.UtcNow < deadline)
            {
                // The silo that held the grain is gone; the next call activates it elsewhere.
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Which silo reads each partition: the one whose receiver was assigned it last (logged with a timestamp).</summary>
    private Dictionary<int, int> PartitionHolders()
    {
        var latest = new Dictionary<int, (TimeOnly At, int Silo)>();
        for (var silo = 0; silo < _cluster.Silos.Count; silo++)
        {
            var log = Path.Combine(AppContext.BaseDirectory, "artifacts", $"{_cluster.Silos[silo].Name}.log");
            using var reader = new StreamReader(new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            var lines = reader.ReadToEnd().Split('\n');
            for (var i = 1; i < lines.Length; i++)
            {
                var marker = lines[i].IndexOf("Kafka receiver assigned", StringComparison.Ordinal);
                if (marker < 0 || !lines[i - 1].Contains(Receiver, StringComparison.Ordinal)) continue;
                var at = TimeOnly.ParseExact(lines[i - 1][..12], "HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);
                var partition = int.Parse(lines[i][(lines[i].IndexOf("[[", marker, StringComparison.Ordinal) + 2)..lines[i].IndexOf("]]", marker, StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
                if (!latest.TryGetValue(partition, out var known) || known.At < at) latest[partition] = (at, silo);
            }
        }

        return latest.ToDictionary(p => p.Key, p => p.Value.Silo);
    }

    /// <summary>The offsets the silos' consumer group has committed, asked of the group coordinator.</summary>
    private Dictionary<int, long> Committed()
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = _cluster.Kafka.BootstrapServers,
            GroupId = $"{_cluster.ServiceId}.{StreamProvider}",
            EnableAutoCommit = false,
        }).Build();
        return consumer.Committed(Enumerable.Range(0, KafkaFrontEndsFixture.Partitions)
                .Select(p => new TopicPartition(KafkaFrontEndsFixture.Topic, p)), TimeSpan.FromSeconds(10))
            .ToDictionary(c => c.Partition.Value, c => c.Offset.Value);
    }

    private sealed record DirectoryRow(Guid Id, string Name, long Version, bool Active);

    private async Task<List<DirectoryRow>> DirectoryRows()
    {
        await using var connection = new NpgsqlConnection(ExternalServices.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id, name, version, active FROM user_directory WHERE service_id = $1", connection);
        command.Parameters.AddWithValue(_cluster.ServiceId);
        var rows = new List<DirectoryRow>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(new DirectoryRow(reader.GetGuid(0), reader.GetString(1), reader.GetInt64(2), reader.GetBoolean(3)));
        }

        return rows;
    }

    /// <summary>Read-model writes waiting on the rows the test holds: one per user whose next event is in flight.</summary>
    private static async Task<long> ProjectionsWaitingOn(NpgsqlConnection holder)
    {
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))", holder);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
