using Grains.Interfaces.Sessions;
using Grains.Interfaces.Users;
using Grains.Users;

namespace Tests.Grains;

[Collection(GrainCluster.Name)]
public sealed class UserGrainTests(GrainClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    private static string UniqueEmail() => $"user-{Guid.NewGuid():N}@example.com";

    private static CreateUser Registration(string email, params string[] permissions) =>
        new("Ada Lovelace", email, "$argon2id$not-a-real-hash", permissions);

    [Fact]
    public async Task Create_stores_the_user_at_version_1_with_a_normalized_email()
    {
        var id = Guid.NewGuid();
        var email = UniqueEmail();

        var result = await _grains.GetGrain<IUserGrain>(id).Create(Registration("  " + email.ToUpperInvariant() + " "));

        Assert.Equal(UserWriteStatus.Ok, result.Status);
        var user = await _grains.GetGrain<IUserGrain>(id).Get();
        Assert.NotNull(user);
        Assert.Equal(email, user.Email);
        Assert.Equal(1, user.Version);
        Assert.Equal(id, await _grains.GetGrain<IEmailIndexGrain>(email).GetOwner());
    }

    [Fact]
    public async Task Creating_an_existing_user_again_is_refused()
    {
        var user = _grains.GetGrain<IUserGrain>(Guid.NewGuid());
        await user.Create(Registration(UniqueEmail()));

        var again = await user.Create(Registration(UniqueEmail()));

        Assert.Equal(UserWriteStatus.AlreadyExists, again.Status);
    }

    [Fact]
    public async Task Parallel_registrations_with_one_email_have_exactly_one_winner()
    {
        var email = UniqueEmail();
        var ids = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToList();

        var results = await Task.WhenAll(ids.Select((id, i) =>
            _grains.GetGrain<IUserGrain>(id).Create(Registration(i % 2 == 0 ? email : email.ToUpperInvariant()))));

        Assert.Single(results, r => r.Status == UserWriteStatus.Ok);
        Assert.Equal(19, results.Count(r => r.Status == UserWriteStatus.EmailTaken));
        var winner = results.Single(r => r.Status == UserWriteStatus.Ok).User!.Id;
        Assert.Equal(winner, await _grains.GetGrain<IEmailIndexGrain>(email).GetOwner());
        var losers = ids.Where(id => id != winner);
        Assert.All(await Task.WhenAll(losers.Select(id => _grains.GetGrain<IUserGrain>(id).Get())), Assert.Null);
    }

    [Fact]
    public async Task Update_bumps_the_version_and_refuses_a_stale_expected_version()
    {
        var user = _grains.GetGrain<IUserGrain>(Guid.NewGuid());
        await user.Create(Registration(UniqueEmail()));

        var renamed = await user.Update(new UpdateUser(Name: "Ada King", ExpectedVersion: 1));
        var stale = await user.Update(new UpdateUser(Name: "Countess", ExpectedVersion: 1));

        Assert.Equal(UserWriteStatus.Ok, renamed.Status);
        Assert.Equal(2, renamed.User!.Version);
        Assert.Equal(UserWriteStatus.VersionMismatch, stale.Status);
        Assert.Equal("Ada King", (await user.Get())!.Name);
    }

    [Fact]
    public async Task Updating_an_unknown_user_reports_not_found()
    {
        var result = await _grains.GetGrain<IUserGrain>(Guid.NewGuid()).Update(new UpdateUser(Name: "Nobody"));

        Assert.Equal(UserWriteStatus.NotFound, result.Status);
    }

    [Fact]
    public async Task Changing_email_frees_the_old_address_and_takes_the_new_one()
    {
        var (oldEmail, newEmail) = (UniqueEmail(), UniqueEmail());
        var first = _grains.GetGrain<IUserGrain>(Guid.NewGuid());
        await first.Create(Registration(oldEmail));

        var changed = await first.Update(new UpdateUser(Email: newEmail));
        var takesOld = await _grains.GetGrain<IUserGrain>(Guid.NewGuid()).Create(Registration(oldEmail));
        var takesNew = await _grains.GetGrain<IUserGrain>(Guid.NewGuid()).Create(Registration(newEmail));

        Assert.Equal(UserWriteStatus.Ok, changed.Status);
        Assert.Equal(UserWriteStatus.Ok, takesOld.Status);
        Assert.Equal(UserWriteStatus.EmailTaken, takesNew.Status);
    }

    [Fact]
    public async Task Changing_email_to_a_taken_address_changes_nothing()
    {
        var (mine, theirs) = (UniqueEmail(), UniqueEmail());
        var me = _grains.GetGrain<IUserGrain>(Guid.NewGuid());
        await me.Create(Registration(mine));
        await _grains.GetGrain<IUserGrain>(Guid.NewGuid()).Create(Registration(theirs));

        var result = await me.Update(new UpdateUser(Name: "Renamed", Email: theirs));

        Assert.Equal(UserWriteStatus.EmailTaken, result.Status);
        var after = await me.Get();
        Assert.Equal((mine, "Ada Lovelace", 1L), (after!.Email, after.Name, after.Version));
    }

    [Fact]
    public async Task A_reservation_left_by_a_crashed_registration_expires_instead_of_blocking_the_email()
    {
        var email = UniqueEmail();
        // A registration that reserved the address and died before storing the user.
        Assert.True(await _grains.GetGrain<IEmailIndexGrain>(email).TryReserve(Guid.NewGuid()));

        var whileFresh = await _grains.GetGrain<IUserGrain>(Guid.NewGuid()).Create(Registration(email));
        GrainClusterFixture.Time.Advance(EmailIndexGrain.ReservationLease + TimeSpan.FromSeconds(1));
        var afterLease = await _grains.GetGrain<IUserGrain>(Guid.NewGuid()).Create(Registration(email));

        Assert.Equal(UserWriteStatus.EmailTaken, whileFresh.Status);
        Assert.Equal(UserWriteStatus.Ok, afterLease.Status);
    }

    [Fact]
    public async Task A_password_change_revokes_every_other_session_but_keeps_the_current_one()
    {
        var userId = Guid.NewGuid();
        var user = _grains.GetGrain<IUserGrain>(userId);
        await user.Create(Registration(UniqueEmail()));
        var sessions = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid()).ToList();
        foreach (var id in sessions)
        {
            await _grains.Session(id).Start(SessionGrainTests.Login(userId));
        }

        await user.Update(new UpdateUser(PasswordHash: "$argon2id$another", KeepSessionId: sessions[0]));

        Assert.True((await _grains.Session(sessions[0]).Check()).Active);
        Assert.False((await _grains.Session(sessions[1]).Check()).Active);
        Assert.False((await _grains.Session(sessions[2]).Check()).Active);
        Assert.Equal([sessions[0]], (await _grains.UserSessions(userId).List()).Select(s => s.Id));
    }

    [Fact]
    public async Task Parallel_password_guesses_never_overshoot_the_free_failures_and_then_are_throttled()
    {
        var user = _grains.GetGrain<IUserGrain>(Guid.NewGuid());
        await user.Create(Registration(UniqueEmail()));

        var tickets = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => user.BeginPasswordCheck()));
        await Task.WhenAll(tickets.Where(t => t.Status == LoginTicketStatus.Granted).Select(_ => user.CompletePasswordCheck(succeeded: false, rehashed: null)));
        var next = await user.BeginPasswordCheck();

        Assert.Equal(PasswordGuessThrottle.FreeFailures, tickets.Count(t => t.Status == LoginTicketStatus.Granted));
        Assert.All(tickets.Where(t => t.Status != LoginTicketStatus.Granted), t => Assert.Equal(LoginTicketStatus.Busy, t.Status));
        Assert.True(next is { Status: LoginTicketStatus.Throttled, RetryAfter.TotalSeconds: > 0 });
    }

    [Fact]
    public async Task Checks_never_reported_count_as_failed_once_they_time_out()
    {
        var user = _grains.GetGrain<IUserGrain>(Guid.NewGuid());
        await user.Create(Registration(UniqueEmail()));

        // A front end that takes tickets and never reports back (it died, or it is hostile).
        var tickets = await Task.WhenAll(Enumerable.Range(0, PasswordGuessThrottle.FreeFailures).Select(_ => user.BeginPasswordCheck()));
        GrainClusterFixture.Time.Advance(PasswordGuessThrottle.CheckTimeout);

        Assert.All(tickets, t => Assert.Equal(LoginTicketStatus.Granted, t.Status));
        Assert.Equal(LoginTicketStatus.Throttled, (await user.BeginPasswordCheck()).Status);
    }

    [Fact]
    public async Task Failed_guesses_are_still_counted_after_the_grain_was_deactivated()
    {
        var user = _grains.GetGrain<IUserGrain>(Guid.NewGuid());
        await user.Create(Registration(UniqueEmail()));
        for (var i = 0; i < PasswordGuessThrottle.FreeFailures; i++)
        {
            Assert.Equal(LoginTicketStatus.Granted, (await user.BeginPasswordCheck()).Status);
            await user.CompletePasswordCheck(succeeded: false, rehashed: null);
        }

        // Every activation is dropped, as when the grain is collected or its silo dies.
        await _grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        Assert.Equal(LoginTicketStatus.Throttled, (await user.BeginPasswordCheck()).Status);
    }

    [Fact]
    public async Task Throttling_lifts_after_the_wait_and_a_success_resets_the_count()
    {
        var user = _grains.GetGrain<IUserGrain>(Guid.NewGuid());
        await user.Create(Registration(UniqueEmail()));
        for (var i = 0; i < PasswordGuessThrottle.FreeFailures; i++)
        {
            Assert.Equal(LoginTicketStatus.Granted, (await user.BeginPasswordCheck()).Status);
            await user.CompletePasswordCheck(succeeded: false, rehashed: null);
        }

        var blocked = await user.BeginPasswordCheck();
        GrainClusterFixture.Time.Advance(blocked.RetryAfter);
        var afterWait = await user.BeginPasswordCheck();
        await user.CompletePasswordCheck(succeeded: true, rehashed: null);
        var afterSuccess = await Task.WhenAll(Enumerable.Range(0, PasswordGuessThrottle.FreeFailures).Select(_ => user.BeginPasswordCheck()));

        Assert.Equal(LoginTicketStatus.Throttled, blocked.Status);
        Assert.Equal(LoginTicketStatus.Granted, afterWait.Status);
        Assert.All(afterSuccess, t => Assert.Equal(LoginTicketStatus.Granted, t.Status));
    }

    [Fact]
    public async Task A_password_check_hands_out_the_stored_hash_and_a_rehash_replaces_it_without_a_new_version()
    {
        var user = _grains.GetGrain<IUserGrain>(Guid.NewGuid());
        await user.Create(Registration(UniqueEmail()));

        var ticket = await user.BeginPasswordCheck();
        await user.CompletePasswordCheck(succeeded: true, rehashed: "$argon2id$stronger", checkedHash: ticket.PasswordHash);

        Assert.Equal("$argon2id$not-a-real-hash", ticket.PasswordHash);
        Assert.Equal("$argon2id$stronger", (await user.BeginPasswordCheck()).PasswordHash);
        Assert.Equal(1, (await user.Get())!.Version);
    }

    [Fact]
    public async Task Deactivation_refuses_login_revokes_sessions_and_frees_the_email()
    {
        var (userId, email) = (Guid.NewGuid(), UniqueEmail());
        var user = _grains.GetGrain<IUserGrain>(userId);
        await user.Create(Registration(email));
        var sessionId = Guid.NewGuid();
        await _grains.Session(sessionId).Start(SessionGrainTests.Login(userId));

        Assert.True(await user.Deactivate());

        Assert.Null(await user.Get());
        Assert.Equal(LoginTicketStatus.NotFound, (await user.BeginPasswordCheck()).Status);
        Assert.False((await _grains.Session(sessionId).Check()).Active);
        Assert.Equal(UserWriteStatus.NotFound, (await user.Update(new UpdateUser(Name: "Back"))).Status);
        Assert.False(await user.Deactivate());
        Assert.Equal(UserWriteStatus.Ok, (await _grains.GetGrain<IUserGrain>(Guid.NewGuid()).Create(Registration(email))).Status);
    }
}
