using System.Reflection;
using Grains;
using Grains.Interfaces.Sessions;
using Grains.Interfaces.Users;
using Grains.Sessions;
using Grains.Users;
using Grains.Users.Account;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Serialization;
using Orleans.Storage;
using StackExchange.Redis;

using static Tests.Integration.InProcessCluster;

namespace Tests.Integration;

/// <summary>
/// The compact stored format (<see cref="StoredFormat"/>) on the real Redis and PostgreSQL: records the previous
/// release stored as JSON still load and work, and every field of a record stored compactly comes back.
/// </summary>
public sealed class StoredFormatTests : IAsyncLifetime
{
    private readonly InProcessCluster _cluster = new($"format-{Guid.NewGuid():N}");
    private ConnectionMultiplexer _redis = null!;

    public async Task InitializeAsync() =>
        _redis = await ConnectionMultiplexer.ConnectAsync($"{ExternalServices.RedisHost}:{ExternalServices.RedisPort}");

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task A_session_and_a_user_the_previous_release_stored_as_JSON_load_and_work_after_the_upgrade()
    {
        var silo = await _cluster.StartSilo();
        var grains = GrainsOf(await _cluster.StartClient());
        var user = grains.GetGrain<IUserGrain>(PreviousRelease.UserId);
        var session = grains.Session(PreviousRelease.SessionId);
        // The keys the previous release's grains (one per session, one per user's list) stored under, now records of shards.
        var sessionKey = GrainId.Parse($"session/{PreviousRelease.SessionId:N}");
        await PreviousRelease.Store(silo, _cluster.ServiceId, _redis, user.GetGrainId(), sessionKey,
            GrainId.Parse($"usersessions/{PreviousRelease.UserId:N}"));

        // Read as stored, before any grain touches them: the reader takes the JSON, field for field.
        var json = silo.Services.GetRequiredService<IGrainStorageSerializer>();
        Assert.Equal(
            AsJson(silo, json.Deserialize<UserState>(PreviousRelease.User)),
            AsJson(silo, await Read<UserState>(silo, StorageNames.Users, "user", user.GetGrainId())));
        Assert.Equal(
            AsJson(silo, json.Deserialize<SessionState>(PreviousRelease.Session)),
            AsJson(silo, await Read<SessionState>(silo, StorageNames.Sessions, "session", sessionKey)));

        // And the grains work on them: what the previous release stored is what they answer with.
        var view = await user.Get();
        Assert.Equal(("Grace Hopper", "upgrade@example.com", 2L), (view!.Name, view.Email, view.Version));
        Assert.Equal(["admin"], view.Permissions);
        Assert.Null(await user.ConfirmLogin(credentialVersion: 0));
        Assert.NotNull(await user.ConfirmLogin(credentialVersion: 1));
        Assert.Equal("$argon2id$second", (await user.BeginPasswordCheck()).PasswordHash);
        await user.AbandonPasswordCheck();
        Assert.Equal((true, PreviousRelease.UserId), ((await session.Check()).Active, (await session.Check()).UserId));
        Assert.Equal([PreviousRelease.SessionId], (await grains.UserSessions(PreviousRelease.UserId).List()).Select(s => s.Id));
        Assert.Equal(RefreshStatus.Rotated, (await session.Refresh(PreviousRelease.CurrentRefreshHash, "next refresh token hash")).Status);
        await user.Update(new UpdateUser(Name: "Rear Admiral Hopper"));

        // Written again in the compact format; the token retired before the upgrade is still known as retired.
        Assert.NotEqual((byte)'{', (await StoredSession(PreviousRelease.SessionId))[0]);
        Assert.NotEqual((byte)'{', (await StoredUser())[0]);
        Assert.Equal(RefreshStatus.ReuseDetected, (await session.Refresh(PreviousRelease.RetiredRefreshHash, "thief's next hash")).Status);
        Assert.False((await session.Check()).Active);
        Assert.Equal("Rear Admiral Hopper", (await user.Get())!.Name);
    }

    [Fact]
    public async Task A_session_and_a_user_stored_in_the_compact_format_read_back_with_every_field()
    {
        var silo = await _cluster.StartSilo();
        var client = await _cluster.StartClient();
        var (userId, sessionId) = (Guid.NewGuid(), Guid.NewGuid());
        var user = FullUser(userId);
        var session = FullSession(userId);
        AssertEveryStoredFieldSet(user);
        AssertEveryStoredFieldSet(user.Account);
        AssertEveryStoredFieldSet(user.Guesses);
        AssertEveryStoredFieldSet(session, except: [nameof(SessionState.RefreshTokenHash), nameof(SessionState.RetiredTokenHashes)]);
        var userGrain = GrainsOf(client).GetGrain<IUserGrain>(userId).GetGrainId();
        var sessionGrain = GrainId.Parse($"session/{sessionId:N}");

        await Write(silo, StorageNames.Users, "user", userGrain, user);
        await Write(silo, StorageNames.Sessions, "session", sessionGrain, session);

        Assert.Equal(AsJson(silo, user), AsJson(silo, await Read<UserState>(silo, StorageNames.Users, "user", userGrain)));
        Assert.Equal(AsJson(silo, session), AsJson(silo, await Read<SessionState>(silo, StorageNames.Sessions, "session", sessionGrain)));
        Assert.NotEqual((byte)'{', (await StoredUser())[0]);
        Assert.NotEqual((byte)'{', (await StoredSession(sessionId))[0]);
    }

    [Fact]
    public async Task A_password_change_and_a_revocation_stored_in_the_compact_format_hold_after_a_restart()
    {
        var (userId, kept, other, revoked) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var first = await _cluster.StartSilo();
        var client = await _cluster.StartClient();
        var user = GrainsOf(client).GetGrain<IUserGrain>(userId);
        await user.Create(new CreateUser("Ada Lovelace", $"restart-{userId:N}@example.com", "$argon2id$first", []));
        foreach (var id in new[] { kept, other, revoked })
        {
            Assert.True(await GrainsOf(client).Session(id).Start(
                new StartSession(userId, $"{id} hash", TimeSpan.FromDays(7), TimeSpan.FromDays(1), "xunit", "127.0.0.1")));
        }

        await GrainsOf(client).Session(revoked).Revoke();
        await user.Update(new UpdateUser(PasswordHash: "$argon2id$second", KeepSessionId: kept));
        await Poll.Until(() => GrainsOf(client).Session(other).Check(), check => !check.Active);
        await _cluster.Stop(client);
        await _cluster.Stop(first);

        await _cluster.StartSilo();
        var fresh = GrainsOf(await _cluster.StartClient());
        user = fresh.GetGrain<IUserGrain>(userId);
        Assert.Null(await user.ConfirmLogin(credentialVersion: 0));
        Assert.NotNull(await user.ConfirmLogin(credentialVersion: 1));
        Assert.Equal("$argon2id$second", (await user.BeginPasswordCheck()).PasswordHash);
        await user.AbandonPasswordCheck();
        Assert.True((await fresh.Session(kept).Check()).Active);
        foreach (var id in new[] { other, revoked })
        {
            Assert.False((await fresh.Session(id).Check()).Active);
            Assert.Equal(RefreshStatus.Rejected, (await fresh.Session(id).Refresh($"{id} hash", "next")).Status);
        }
    }

    [Fact]
    public async Task A_users_list_of_one_or_two_sessions_keeps_their_expiries_in_Redis_compact_hash_encoding()
    {
        var silo = await _cluster.StartSilo();
        var grains = GrainsOf(await _cluster.StartClient());
        var userId = Guid.NewGuid();
        var listKey = GrainId.Create(UserSessionsShardGrain.RecordType, GrainIdKeyExtensions.CreateGuidKey(userId));
        List<Guid> sessions = [];

        for (var count = 1; count <= 2; count++)
        {
            sessions.Add(Guid.NewGuid());
            Assert.True(await grains.Session(sessions[^1]).Start(
                new StartSession(userId, "hash", TimeSpan.FromDays(7), TimeSpan.FromDays(1), "xunit", "127.0.0.1", SessionsPerUser: 100)));

            // A hash with a value over 64 bytes (hash-max-listpack-value) becomes a hashtable: about 300 bytes more a user.
            var encoding = await _redis.GetDatabase().ExecuteAsync("OBJECT", "ENCODING", $"{_cluster.ServiceId}/state/{listKey}/{UserSessionsShardGrain.StateName}");
            Assert.Equal("listpack", (string?)encoding);
            var stored = await Read<UserSessionsState>(silo, StorageNames.Sessions, UserSessionsShardGrain.StateName, listKey);
            Assert.Equal(sessions.Order(), stored.SessionIds.Order());
            Assert.All(sessions, id => Assert.True(stored.ExpiryKnown(id)));
            Assert.True(stored.EveryExpiryKnown);
        }
    }

    private static UserState FullUser(Guid userId)
    {
        var at = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
        // An array, as the outbox records permissions (UserEventOutbox).
        string[] permissions = ["admin"];
        var data = new UserEventData("Grace Hopper", "grace@example.com", permissions, EmailVerified: true, MfaEnabled: true);
        return new UserState
        {
            Name = "Grace Hopper",
            Email = "grace@example.com",
            PasswordHash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
            Permissions = ["admin", "users:read"],
            CreatedAt = at,
            UpdatedAt = at.AddMinutes(5),
            Version = 7,
            DeactivatedAt = at.AddDays(1),
            Outbox = [new UserEvent(Guid.NewGuid(), UserEvent.Updated, userId, 6, 11, at.AddMinutes(4), data),
                      new UserEvent(Guid.NewGuid(), UserEvent.PasswordChanged, userId, 7, 12, at.AddMinutes(5), data)],
            EventSequence = 12,
            CredentialVersion = 3,
            PendingRevocation = new PendingRevocation { Except = Guid.NewGuid() },
            Guesses = new GuessRecord { Failures = 4, BlockedUntil = at.AddMinutes(15) },
            Account = new AccountState
            {
                EmailVerified = true,
                Verification = new MailToken("verification hash", at.AddDays(1), "grace@example.com"),
                Reset = new MailToken("reset hash", at.AddHours(1), "grace@example.com"),
                ResetRequests = [at, at.AddMinutes(1)],
                LastVerificationIssuedAt = at,
                TotpSecret = "JBSWY3DPEHPK3PXP",
                TotpEnabled = true,
                RecoveryCodeHashes = ["recovery 1", "recovery 2"],
                LastTotpStep = 59_000_000,
            },
        };
    }

    private static SessionState FullSession(Guid userId)
    {
        var at = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.FromHours(1));
        var session = new SessionState
        {
            UserId = userId,
            CreatedAt = at,
            LastSeenAt = at.AddMinutes(3),
            ExpiresAt = at.AddDays(7),
            IdleTimeout = TimeSpan.FromDays(1),
            Revoked = true,
            UserAgent = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
            IpAddress = "2001:db8::1",
            CredentialVersion = 3,
        };
        session.RefreshTokenHash = "first refresh token hash";
        session.UpgradeLegacyHashes();
        for (var i = 0; i < SessionShardGrain.RetiredTokensKept + 1; i++)
        {
            session = session.Rotated($"hash {i}", SessionShardGrain.RetiredTokensKept);
        }

        Assert.Equal(SessionShardGrain.RetiredTokensKept * 32, session.RetiredTokens.Length);
        return session;
    }

    /// <summary>Every stored property (one with an <c>[Id]</c>) holds something other than its default, so a field the format drops shows.</summary>
    private static void AssertEveryStoredFieldSet(object state, params string[] except)
    {
        foreach (var property in state.GetType().GetProperties().Where(p => p.GetCustomAttribute<IdAttribute>() is not null && !except.Contains(p.Name)))
        {
            var value = property.GetValue(state);
            var empty = value is null
                || (property.PropertyType.IsValueType && value.Equals(Activator.CreateInstance(property.PropertyType)))
                || (value is System.Collections.ICollection { Count: 0 });
            Assert.False(empty, $"{state.GetType().Name}.{property.Name} is left at its default: set it, so the round trip covers it.");
        }
    }

    private static async Task<T> Read<T>(WebApplication silo, string store, string stateName, GrainId grain) where T : new()
    {
        var state = new GrainState<T>(new T());
        await silo.Services.GetRequiredKeyedService<IGrainStorage>(store).ReadStateAsync(stateName, grain, state);
        Assert.True(state.RecordExists);
        return Assert.IsType<T>(state.State);
    }

    private static Task Write<T>(WebApplication silo, string store, string stateName, GrainId grain, T value) =>
        silo.Services.GetRequiredKeyedService<IGrainStorage>(store).WriteStateAsync(stateName, grain, new GrainState<T>(value));

    /// <summary>Every field, by name, as text: two states compare equal exactly when this is.</summary>
    private static string AsJson<T>(WebApplication silo, T state) => silo.Services.GetRequiredService<OrleansJsonSerializer>().Serialize(state, typeof(T));

    private async Task<byte[]> StoredSession(Guid sessionId)
    {
        var grain = GrainId.Create("session", sessionId.ToString("N"));
        var data = await _redis.GetDatabase().HashGetAsync($"{_cluster.ServiceId}/state/{grain}/session", "data");
        Assert.True(data.HasValue, $"no session stored under {_cluster.ServiceId}/state/{grain}/session");
        return (byte[])data!;
    }

    /// <summary>The one user record this test's service stored.</summary>
    private async Task<byte[]> StoredUser()
    {
        await using var connection = new NpgsqlConnection(ExternalServices.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT payload FROM grain_state WHERE service_id = @service AND state_name = 'user'", connection);
        command.Parameters.AddWithValue("service", _cluster.ServiceId);
        return (byte[])(await command.ExecuteScalarAsync())!;
    }
}
