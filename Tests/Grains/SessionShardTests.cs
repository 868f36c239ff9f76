using Grains;
using Grains.Interfaces.Sessions;
using Grains.Sessions;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Tests.Grains;

/// <summary>
/// What hosting many sessions in one shard activation must still promise: each session's operations in order, no
/// session waiting on another's storage, and nothing lost when a session leaves memory and is read back.
/// </summary>
[Collection(GrainCluster.Name)]
public sealed class SessionShardTests(GrainClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    private async Task<SessionHandle> Started(Guid sessionId, string refreshHash = "hash-0")
    {
        var session = _grains.Session(sessionId);
        Assert.True(await session.Start(SessionGrainTests.Login(Guid.NewGuid(), refreshHash)));
        return session;
    }

    /// <summary>A second session id that <see cref="RecordShards.Of"/> maps to the same shard as <paramref name="id"/>.</summary>
    private static Guid SameShardAs(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        Span<byte> shardBytes = stackalloc byte[16];
        Guid.NewGuid().TryWriteBytes(bytes);
        id.TryWriteBytes(shardBytes);
        shardBytes[..4].CopyTo(bytes);
        var other = new Guid(bytes);
        Assert.Equal(RecordShards.Of(id), RecordShards.Of(other));
        return other;
    }

    private static GrainId StorageKeyOf(Guid sessionId) => GrainId.Parse($"session/{sessionId:N}");

    private async Task<SessionState> Stored(Guid sessionId)
    {
        var storage = ((InProcessSiloHandle)fixture.Cluster.Primary!).SiloHost.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Sessions);
        var state = new GrainState<SessionState>(new SessionState());
        await storage.ReadStateAsync(SessionShardGrain.StateName, StorageKeyOf(sessionId), state);
        return state.State ?? throw new InvalidOperationException($"no session stored for {sessionId}");
    }

    [Fact]
    public async Task A_refresh_retried_while_its_first_attempt_is_still_writing_waits_for_it_and_is_not_taken_for_reuse()
    {
        var sessionId = Guid.NewGuid();
        var session = await Started(sessionId);
        var held = FailingWritesStorage.HoldNextWriteOf(StorageKeyOf(sessionId));

        // The client gives up on a slow refresh and retries with the same token while the first write hangs.
        var first = session.Refresh("hash-0", "hash-1");
        await held.Begun.Task;
        var retry = session.Refresh("hash-0", "hash-2");
        // Not a timing assertion: the pause only lets the retry reach the shard while the first write is held, which
        // is the overlap under test; were it too short, the test would pass more easily, never fail wrongly.
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        held.Release.SetException(new IOException("injected: the slow write failed in the end"));

        // In order: the retry runs after the failed attempt, on the stored state, so it rotates. Run alongside, it
        // would see the first attempt's rotation and end the session as a reuse of a retired token.
        await Assert.ThrowsAnyAsync<Exception>(() => first);
        Assert.Equal(RefreshStatus.Rotated, (await retry).Status);
        Assert.True((await session.Check()).Active);
        Assert.Equal(RefreshStatus.Rotated, (await session.Refresh("hash-2", "hash-3")).Status);
    }

    [Fact]
    public async Task A_slow_write_of_one_session_holds_up_no_other_session_of_its_shard()
    {
        var slowId = Guid.NewGuid();
        var otherId = SameShardAs(slowId);
        var slow = await Started(slowId);
        var other = await Started(otherId);
        var held = FailingWritesStorage.HoldNextWriteOf(StorageKeyOf(slowId));

        var slowRefresh = slow.Refresh("hash-0", "hash-1");
        await held.Begun.Task;

        // A bound for a hang, not a measurement: a shard serialising its sessions would wait for the release forever.
        var otherRefresh = await other.Refresh("hash-0", "hash-1").WaitAsync(TimeSpan.FromSeconds(20));
        await other.Revoke().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.False(slowRefresh.IsCompleted);
        held.Release.SetResult();

        Assert.Equal(RefreshStatus.Rotated, otherRefresh.Status);
        Assert.Equal(RefreshStatus.Rotated, (await slowRefresh).Status);
        Assert.True((await slow.Check()).Active);
        Assert.False((await other.Check()).Active);
    }

    [Fact]
    public async Task A_session_that_left_memory_is_read_back_with_its_tokens_revocation_and_last_activity()
    {
        var time = GrainClusterFixture.Time;
        var (liveId, revokedId) = (Guid.NewGuid(), Guid.NewGuid());
        var live = await Started(liveId);
        var revoked = await Started(revokedId);
        Assert.Equal(RefreshStatus.Rotated, (await live.Refresh("hash-0", "hash-1")).Status);
        await revoked.Revoke();
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.True((await live.Check()).Active);
        var lastSeen = time.GetUtcNow();

        // Left alone past the idle bound, both leave memory: the activity checked last is written on the way out.
        time.Advance(GrainClusterFixture.RecordIdleAfter);
        foreach (var id in new[] { liveId, revokedId })
        {
            var shard = _grains.GetGrain<ISessionShardGrain>(RecordShards.Of(id));
            Assert.Equal(0, await Poll.Until(shard.SessionsInMemory, held => held == 0));
        }

        Assert.Equal(lastSeen, (await live.GetInfo())!.LastSeenAt);
        Assert.False((await revoked.Check()).Active);
        Assert.Equal(RefreshStatus.Rejected, (await revoked.Refresh("hash-0", "hash-x")).Status);
        Assert.Equal(RefreshStatus.Rotated, (await live.Refresh("hash-1", "hash-2")).Status);
        Assert.Equal(RefreshStatus.ReuseDetected, (await live.Refresh("hash-0", "hash-x")).Status);
        Assert.False((await live.Check()).Active);
    }

    [Fact]
    public async Task A_session_checked_more_often_than_once_a_minute_has_its_activity_stored_within_a_minute()
    {
        var time = GrainClusterFixture.Time;
        var sessionId = Guid.NewGuid();
        var session = await Started(sessionId);

        // Two minutes of requests every 20 s: what a silo loss would leave is the stored activity.
        for (var i = 0; i < 6; i++)
        {
            time.Advance(TimeSpan.FromSeconds(20));
            Assert.True((await session.Check()).Active);
        }

        var stored = await Stored(sessionId);
        Assert.InRange(time.GetUtcNow() - stored.LastSeenAt, TimeSpan.Zero, SessionShardGrain.LastSeenWriteInterval);
    }
}
