using Grains.Interfaces.Sessions;
using Grains.Interfaces.Users;

namespace Tests.Grains;

/// <summary>The security stamp a login's ticket carries, against changes that land while the password is checked.</summary>
[Collection(GrainCluster.Name)]
public sealed class CredentialVersionTests(GrainClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    private async Task<IUserGrain> User()
    {
        var user = _grains.GetGrain<IUserGrain>(Guid.NewGuid());
        Assert.Equal(UserWriteStatus.Ok, (await user.Create(new CreateUser("Ada", $"user-{Guid.NewGuid():N}@example.com", "$argon2id$old", []))).Status);
        return user;
    }

    [Fact]
    public async Task A_rehash_of_the_old_password_is_not_written_over_a_newer_hash()
    {
        var user = await User();
        var ticket = await user.BeginPasswordCheck();

        await user.Update(new UpdateUser(PasswordHash: "$argon2id$new"));
        await user.CompletePasswordCheck(succeeded: true, rehashed: "$argon2id$old-rehashed", checkedHash: ticket.PasswordHash);

        Assert.Equal("$argon2id$new", (await user.BeginPasswordCheck()).PasswordHash);
    }

    [Theory]
    [InlineData("password")]
    [InlineData("email")]
    [InlineData("deactivation")]
    public async Task A_login_checked_before_a_credential_change_is_not_confirmed_after_it(string change)
    {
        var user = await User();
        var ticket = await user.BeginPasswordCheck();

        _ = change switch
        {
            "password" => (await user.Update(new UpdateUser(PasswordHash: "$argon2id$new"))).Status,
            "email" => (await user.Update(new UpdateUser(Email: $"moved-{Guid.NewGuid():N}@example.com"))).Status,
            _ => await user.Deactivate() ? UserWriteStatus.Ok : UserWriteStatus.NotFound,
        };

        Assert.Null(await user.ConfirmLogin(ticket.CredentialVersion));
    }

    [Fact]
    public async Task A_name_change_keeps_logins_in_flight_valid()
    {
        var user = await User();
        var ticket = await user.BeginPasswordCheck();

        await user.Update(new UpdateUser(Name: "Grace"));

        Assert.NotNull(await user.ConfirmLogin(ticket.CredentialVersion));
    }

    private static StartSession Login(Guid userId, long credentialVersion) =>
        SessionGrainTests.Login(userId) with { CredentialVersion = credentialVersion };

    private async Task<IReadOnlyList<Guid>> Listed(Guid userId) =>
        [.. (await _grains.UserSessions(userId).List()).Select(s => s.Id)];

    [Fact]
    public async Task A_session_opened_for_the_current_credentials_is_live_listed_and_names_its_user()
    {
        var user = await User();
        var userId = user.GetPrimaryKey();
        var ticket = await user.BeginPasswordCheck();
        var sessionId = Guid.NewGuid();
        var session = _grains.Session(sessionId);

        var confirmed = await session.Open(Login(userId, ticket.CredentialVersion));

        Assert.Equal(userId, confirmed?.Id);
        Assert.True((await session.Check()).Active);
        Assert.Equal([sessionId], await Listed(userId));
    }

    [Theory]
    [InlineData("password")]
    [InlineData("deactivation")]
    public async Task A_session_opened_for_a_login_checked_before_a_credential_change_is_refused_revoked_and_unlisted(string change)
    {
        var user = await User();
        var userId = user.GetPrimaryKey();
        var ticket = await user.BeginPasswordCheck();
        _ = change == "password"
            ? (await user.Update(new UpdateUser(PasswordHash: "$argon2id$new"))).Status
            : await user.Deactivate() ? UserWriteStatus.Ok : UserWriteStatus.NotFound;
        var session = _grains.Session(Guid.NewGuid());

        Assert.Null(await session.Open(Login(userId, ticket.CredentialVersion)));

        Assert.False((await session.Check()).Active);
        Assert.Empty(await Poll.Until(() => Listed(userId), ids => ids.Count == 0));
    }

    [Fact]
    public async Task A_session_id_already_used_cannot_be_opened_again()
    {
        var user = await User();
        var userId = user.GetPrimaryKey();
        var ticket = await user.BeginPasswordCheck();
        var session = _grains.Session(Guid.NewGuid());
        Assert.NotNull(await session.Open(Login(userId, ticket.CredentialVersion)));

        await Assert.ThrowsAsync<InvalidOperationException>(() => session.Open(Login(userId, ticket.CredentialVersion)));
    }
}
