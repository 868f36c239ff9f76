using Grains;
using Grains.Interfaces.Sessions;
using Grains.Sessions;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Tests.Grains;

[Collection(GrainCluster.Name)]
public sealed class SessionGrainTests(GrainClusterFixture fixture)
{
    private static readonly TimeSpan AbsoluteLifetime = TimeSpan.FromDays(7);
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromHours(1);

    private readonly IGrainFactory _grains = fixture.Grains;

    public static StartSession Login(Guid userId, string refreshHash = "hash-0") =>
        new(userId, refreshHash, AbsoluteLifetime, IdleTimeout, "xunit", "127.0.0.1");

    /// <summary>The user's session list as stored (what a silo reads back), not as <c>List</c> answers it.</summary>
    private async Task<IReadOnlySet<Guid>> StoredList(Guid userId)
    {
        var storage = ((InProcessSiloHandle)fixture.Cluster.Primary!).SiloHost.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Sessions);
        var state = new GrainState<UserSessionsState>(new UserSessionsState());
        var key = GrainId.Create(UserSessionsShardGrain.RecordType, GrainIdKeyExtensions.CreateGuidKey(userId));
        await storage.ReadStateAsync(UserSessionsShardGrain.StateName, key, state);
        return state.State?.SessionIds ?? [];
    }

    /// <summary>Starts sessions for <paramref name="userId"/> one after another, each a second after the one before.</summary>
    private async Task<List<Guid>> StartedInTurn(Guid userId, int count, Func<StartSession, StartSession> change)
    {
        List<Guid> ids = [];
        for (var i = 0; i < count; i++)
        {
            GrainClusterFixture.Time.Advance(TimeSpan.FromSeconds(1));
            var id = Guid.NewGuid();
            Assert.True(await _grains.Session(id).Start(change(Login(userId))));
            ids.Add(id);
        }

        return ids;
    }

    private async Task<(Guid UserId, SessionHandle Session, Guid SessionId)> Started(string refreshHash = "hash-0")
    {
        var (userId, sessionId) = (Guid.NewGuid(), Guid.NewGuid());
        var session = _grains.Session(sessionId);
        Assert.True(await session.Start(Login(userId, refreshHash)));
        return (userId, session, sessionId);
    }

    [Fact]
    public async Task A_started_session_is_live_and_listed_for_its_user()
    {
        var (userId, session, sessionId) = await Started();

        var check = await session.Check();
        var info = await session.GetInfo();

        // Left alone, the session would end by its idle timeout (well before its absolute expiry).
        Assert.Equal(new SessionCheck(true, userId, GrainClusterFixture.Time.GetUtcNow() + IdleTimeout), check);
        Assert.Equal(("xunit", "127.0.0.1"), (info!.UserAgent, info.IpAddress));
        Assert.Equal([sessionId], (await _grains.UserSessions(userId).List()).Select(s => s.Id));
    }

    [Fact]
    public async Task A_users_session_list_leaves_memory_once_idle_and_is_read_back_whole()
    {
        var (userId, _, sessionId) = await Started();
        var shard = _grains.GetGrain<IUserSessionsShardGrain>(RecordShards.Of(userId));
        Assert.True(await shard.ListsInMemory() > 0);

        GrainClusterFixture.Time.Advance(GrainClusterFixture.RecordIdleAfter);
        Assert.Equal(0, await Poll.Until(shard.ListsInMemory, held => held == 0));

        Assert.Equal([sessionId], (await _grains.UserSessions(userId).List()).Select(s => s.Id));
    }

    [Fact]
    public async Task A_session_id_cannot_be_started_twice()
    {
        var (_, session, _) = await Started();

        Assert.False(await session.Start(Login(Guid.NewGuid())));
    }

    [Fact]
    public async Task Revoking_ends_the_session_and_removes_it_from_the_users_list()
    {
        var (userId, session, _) = await Started();

        await session.Revoke();

        Assert.False((await session.Check()).Active);
        Assert.Null(await session.GetInfo());
        Assert.Empty(await _grains.UserSessions(userId).List());
    }

    [Fact]
    public async Task Refresh_rotates_the_token_and_a_reused_one_revokes_the_session()
    {
        var (userId, session, _) = await Started("hash-0");

        var first = await session.Refresh("hash-0", "hash-1");
        var second = await session.Refresh("hash-1", "hash-2");
        var replay = await session.Refresh("hash-0", "hash-x");

        Assert.Equal(new RefreshResult(RefreshStatus.Rotated, userId), first);
        Assert.Equal(RefreshStatus.Rotated, second.Status);
        Assert.Equal(RefreshStatus.ReuseDetected, replay.Status);
        Assert.False((await session.Check()).Active);
        Assert.Equal(RefreshStatus.Rejected, (await session.Refresh("hash-2", "hash-3")).Status);
    }

    [Fact]
    public async Task An_unknown_refresh_token_is_rejected_without_harming_the_session()
    {
        var (_, session, _) = await Started("hash-0");

        var guess = await session.Refresh("not-a-token-of-this-session", "hash-1");

        Assert.Equal(RefreshStatus.Rejected, guess.Status);
        Assert.True((await session.Check()).Active);
        Assert.Equal(RefreshStatus.Rotated, (await session.Refresh("hash-0", "hash-1")).Status);
    }

    [Fact]
    public async Task A_session_ends_at_its_absolute_lifetime_even_when_active()
    {
        var (_, session, _) = await Started("hash-0");
        var refreshHash = "hash-0";
        var step = IdleTimeout / 2;
        for (var elapsed = step; elapsed < AbsoluteLifetime; elapsed += step)
        {
            GrainClusterFixture.Time.Advance(step);
            var next = $"hash-{elapsed.Ticks}";
            Assert.Equal(RefreshStatus.Rotated, (await session.Refresh(refreshHash, next)).Status);
            refreshHash = next;
        }

        // Within the idle timeout of the last refresh, but past the absolute lifetime.
        GrainClusterFixture.Time.Advance(step);

        Assert.False((await session.Check()).Active);
        Assert.Equal(RefreshStatus.Rejected, (await session.Refresh(refreshHash, "late")).Status);
    }

    [Fact]
    public async Task An_idle_session_expires_while_activity_keeps_it_alive()
    {
        var (_, idle, _) = await Started();
        var (_, busy, _) = await Started();

        GrainClusterFixture.Time.Advance(IdleTimeout * 0.75);
        await busy.Check();
        GrainClusterFixture.Time.Advance(IdleTimeout * 0.5);

        Assert.False((await idle.Check()).Active);
        Assert.True((await busy.Check()).Active);
    }

    [Fact]
    public async Task Revoke_all_spares_only_the_named_session()
    {
        var userId = Guid.NewGuid();
        var ids = Enumerable.Range(0, 4).Select(_ => Guid.NewGuid()).ToList();
        foreach (var id in ids)
        {
            await _grains.Session(id).Start(Login(userId));
        }

        await _grains.UserSessions(userId).RevokeAll(except: ids[2]);

        var live = await Task.WhenAll(ids.Select(async id => (await _grains.Session(id).Check()).Active));
        Assert.Equal([false, false, true, false], live);
        Assert.Equal([ids[2]], (await _grains.UserSessions(userId).List()).Select(s => s.Id));
    }

    [Fact]
    public async Task A_login_stores_the_users_list_without_the_sessions_past_their_absolute_expiry()
    {
        var userId = Guid.NewGuid();
        var shortLived = await StartedInTurn(userId, 2, login => login with { AbsoluteLifetime = TimeSpan.FromMinutes(30) });
        var longLived = await StartedInTurn(userId, 1, login => login);

        GrainClusterFixture.Time.Advance(TimeSpan.FromMinutes(31));
        var next = await StartedInTurn(userId, 1, login => login);

        // Without listing: before, only List() dropped ended sessions, and a list nobody listed grew with every login.
        Assert.Equal(longLived.Concat(next).Order(), (await StoredList(userId)).Order());
    }

    [Fact]
    public async Task A_login_beyond_the_users_limit_revokes_the_oldest_sessions_and_keeps_the_newest()
    {
        var userId = Guid.NewGuid();
        var ids = await StartedInTurn(userId, 5, login => login with { SessionsPerUser = 3 });

        var live = await Task.WhenAll(ids.Select(async id => (await _grains.Session(id).Check()).Active));

        Assert.Equal([false, false, true, true, true], live);
        Assert.Equal(ids[2..].Order(), (await StoredList(userId)).Order());
        Assert.Equal(ids[2..], (await _grains.UserSessions(userId).List()).Select(s => s.Id));
    }

    [Fact]
    public async Task The_newest_session_is_kept_even_when_a_shorter_lifetime_makes_it_end_first()
    {
        var userId = Guid.NewGuid();
        var older = await StartedInTurn(userId, 2, login => login with { SessionsPerUser = 2 });
        var newest = await StartedInTurn(userId, 1, login => login with { AbsoluteLifetime = TimeSpan.FromHours(1), SessionsPerUser = 2 });

        var live = await Task.WhenAll(older.Concat(newest).Select(async id => (await _grains.Session(id).Check()).Active));

        Assert.Equal([false, true, true], live);
    }

    [Fact]
    public async Task A_session_whose_revocation_failed_stays_listed_and_the_next_login_revokes_it()
    {
        var userId = Guid.NewGuid();
        var ids = await StartedInTurn(userId, 2, login => login with { SessionsPerUser = 2 });
        FailingWritesStorage.FailWritesOf(ids[0]);
        try
        {
            ids.AddRange(await StartedInTurn(userId, 1, login => login with { SessionsPerUser = 2 }));
            Assert.True((await _grains.Session(ids[0]).Check()).Active);
            Assert.Contains(ids[0], await StoredList(userId));
        }
        finally
        {
            FailingWritesStorage.Heal(ids[0]);
        }

        ids.AddRange(await StartedInTurn(userId, 1, login => login with { SessionsPerUser = 2 }));

        var live = await Task.WhenAll(ids.Select(async id => (await _grains.Session(id).Check()).Active));
        Assert.Equal([false, false, true, true], live);
        Assert.Equal(ids[2..].Order(), (await StoredList(userId)).Order());
    }
}
