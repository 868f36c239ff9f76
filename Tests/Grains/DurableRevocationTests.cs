using Grains.Interfaces.Sessions;
using Grains.Interfaces.Users;

namespace Tests.Grains;

/// <summary>
/// Revocations whose store write or announcement fails (the injected failures of <see cref="FailingWritesStorage"/>
/// and <see cref="RecordingChangeFeed"/>): nothing changes until the store took it, and a retry really revokes.
/// </summary>
[Collection(GrainCluster.Name)]
public sealed class DurableRevocationTests(GrainClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    private async Task<(Guid UserId, IUserGrain User)> User()
    {
        var userId = Guid.NewGuid();
        var user = _grains.GetGrain<IUserGrain>(userId);
        Assert.Equal(UserWriteStatus.Ok, (await user.Create(new CreateUser("Ada", $"user-{userId:N}@example.com", "$argon2id$old", []))).Status);
        return (userId, user);
    }

    private async Task<Guid> Login(Guid userId)
    {
        var sessionId = Guid.NewGuid();
        Assert.True(await _grains.Session(sessionId).Start(SessionGrainTests.Login(userId)));
        return sessionId;
    }

    private async Task<IReadOnlyList<Guid>> Listed(Guid userId) =>
        [.. (await _grains.UserSessions(userId).List()).Select(s => s.Id)];

    [Fact]
    public async Task A_logout_whose_write_failed_changes_nothing_and_its_retry_revokes_and_announces()
    {
        var (userId, _) = await User();
        var sessionId = await Login(userId);
        var session = _grains.Session(sessionId);

        FailingWritesStorage.FailWritesOf(sessionId);
        await Assert.ThrowsAnyAsync<Exception>(() => session.Revoke());
        FailingWritesStorage.Heal(sessionId);

        // The store still holds a live session, so the grain must say so, and the list must still name it.
        Assert.True((await session.Check()).Active);
        Assert.Equal([sessionId], await Listed(userId));
        Assert.Equal(0, RecordingChangeFeed.AnnouncementsOf(sessionId));

        await session.Revoke();

        Assert.False((await session.Check()).Active);
        Assert.Equal(1, RecordingChangeFeed.AnnouncementsOf(sessionId));
        Assert.Empty(await Poll.Until(() => Listed(userId), ids => ids.Count == 0));
    }

    [Fact]
    public async Task A_logout_whose_announcement_failed_announces_on_the_retry()
    {
        var (userId, _) = await User();
        var sessionId = await Login(userId);
        var session = _grains.Session(sessionId);

        RecordingChangeFeed.FailAnnouncementsOf(sessionId);
        await Assert.ThrowsAnyAsync<Exception>(() => session.Revoke());
        RecordingChangeFeed.Heal(sessionId);
        await session.Revoke();

        Assert.False((await session.Check()).Active);
        Assert.Equal(1, RecordingChangeFeed.AnnouncementsOf(sessionId));
    }

    [Fact]
    public async Task A_rotation_whose_write_failed_keeps_the_old_refresh_token_valid()
    {
        var (userId, _) = await User();
        var sessionId = await Login(userId);
        var session = _grains.Session(sessionId);

        FailingWritesStorage.FailWritesOf(sessionId);
        await Assert.ThrowsAnyAsync<Exception>(() => session.Refresh("hash-0", "hash-1"));
        FailingWritesStorage.Heal(sessionId);

        // The client never got hash-1; its retry with hash-0 is not reuse.
        Assert.Equal(RefreshStatus.Rotated, (await session.Refresh("hash-0", "hash-2")).Status);
        Assert.True((await session.Check()).Active);
    }

    [Fact]
    public async Task Revocations_of_a_password_change_are_finished_by_the_next_activation_when_they_failed()
    {
        var (userId, user) = await User();
        var (stuck, other) = (await Login(userId), await Login(userId));

        FailingWritesStorage.FailWritesOf(stuck);
        await Assert.ThrowsAnyAsync<Exception>(() => user.Update(new UpdateUser(PasswordHash: "$argon2id$new")));

        // The change is stored; the session whose revocation failed is still live and still listed.
        Assert.Equal(2, (await user.Get())!.Version);
        Assert.False((await _grains.Session(other).Check()).Active);
        Assert.True((await _grains.Session(stuck).Check()).Active);
        Assert.Contains(stuck, await Listed(userId));

        // Every activation is dropped, as when the silo dies; the user's next activation finishes the job.
        FailingWritesStorage.Heal(stuck);
        await _grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        await user.Get();

        var check = await Poll.Until(() => _grains.Session(stuck).Check(), c => !c.Active);
        Assert.False(check.Active);
        Assert.Empty(await Listed(userId));
    }

    [Fact]
    public async Task Logout_racing_logout_all_and_password_changes_never_waits_on_a_call_cycle()
    {
        for (var trial = 0; trial < 16; trial++)
        {
            var (userId, user) = await User();
            var sessions = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Login(userId)));

            // Each session logs out while the list revokes them all: Revoke → list and list → session at once.
            var revocations = sessions.Select(id => _grains.Session(id).Revoke())
                .Append(_grains.UserSessions(userId).RevokeAll(except: null))
                .Append(user.Update(new UpdateUser(PasswordHash: $"$argon2id${trial}")));
            // A cycle of non-reentrant calls would stall until the response timeout and fail here with it.
            await Task.WhenAll(revocations);
            Assert.All(await Task.WhenAll(sessions.Select(id => _grains.Session(id).Check())), c => Assert.False(c.Active));
        }
    }
}
