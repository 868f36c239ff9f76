using System.Net;
using System.Text.Json;

namespace Tests.Http;

[Collection(FrontEnds.Name)]
public sealed class UserApiTests(FrontEndsFixture api)
{
    [Fact]
    public async Task Registering_a_taken_email_in_another_case_is_409()
    {
        var email = ApiCalls.UniqueEmail();
        await api.Users.Register(email);

        await (await api.Users.Register(email.ToUpperInvariant())).AssertProblem(HttpStatusCode.Conflict, "email_taken");
    }

    [Fact]
    public async Task Only_an_admin_may_set_permissions_at_registration()
    {
        var user = await api.SignUp();
        var admin = await api.SignInAsAdmin();
        var body = new { name = "Ops", email = ApiCalls.UniqueEmail(), password = "correct horse battery", permissions = new[] { "admin" } };

        var anonymous = await api.Users.Send(HttpMethod.Post, "/user/create", body);
        var byUser = await api.Users.Send(HttpMethod.Post, "/user/create", body, user.AccessToken);
        var byAdmin = await api.Users.Send(HttpMethod.Post, "/user/create", body, admin.AccessToken);

        await anonymous.AssertProblem(HttpStatusCode.Forbidden, "forbidden");
        await byUser.AssertProblem(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(HttpStatusCode.Created, byAdmin.StatusCode);
        Assert.Equal(["admin"], (await byAdmin.Json()).GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));
    }

    [Fact]
    public async Task A_user_cannot_read_or_change_another_user()
    {
        var mallory = await api.SignUp();
        var alice = await api.SignUp();

        var read = await api.Users.Send(HttpMethod.Get, $"/user/{alice.UserId}", token: mallory.AccessToken);
        var write = await api.Users.Send(HttpMethod.Put, $"/user/update/{alice.UserId}", new { name = "pwned" }, mallory.AccessToken);

        await read.AssertProblem(HttpStatusCode.Forbidden, "forbidden");
        await write.AssertProblem(HttpStatusCode.Forbidden, "forbidden");
        var own = await (await api.Users.Send(HttpMethod.Get, $"/user/{alice.UserId}", token: alice.AccessToken)).Json();
        Assert.Equal("Ada Lovelace", own.GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_user_cannot_raise_their_own_permissions()
    {
        var user = await api.SignUp();

        var response = await api.Users.Send(HttpMethod.Put, $"/user/update/{user.UserId}", new { permissions = new[] { "admin" } }, user.AccessToken);

        await response.AssertProblem(HttpStatusCode.Forbidden, "forbidden");
        var me = await (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: user.AccessToken)).Json();
        Assert.Empty(me.GetProperty("permissions").EnumerateArray());
    }

    [Fact]
    public async Task An_admin_reads_and_changes_any_user_and_a_grant_applies_on_the_next_request()
    {
        var admin = await api.SignInAsAdmin();
        var user = await api.SignUp();
        var other = await api.SignUp();

        var read = await api.Users.Send(HttpMethod.Get, $"/user/{user.UserId}", token: admin.AccessToken);
        var grant = await api.Users.Send(HttpMethod.Put, $"/user/update/{user.UserId}", new { permissions = new[] { "admin", "reports:read" } }, admin.AccessToken);

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.OK, grant.StatusCode);
        // Same access token as before the grant: permissions are read live, not from the token.
        var nowAllowed = await api.Users.Send(HttpMethod.Get, $"/user/{other.UserId}", token: user.AccessToken);
        Assert.Equal(HttpStatusCode.OK, nowAllowed.StatusCode);

        var revoke = await api.Users.Send(HttpMethod.Put, $"/user/update/{user.UserId}", new { permissions = Array.Empty<string>() }, admin.AccessToken);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        await (await api.Users.Send(HttpMethod.Get, $"/user/{other.UserId}", token: user.AccessToken)).AssertProblem(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task If_match_with_an_old_version_is_412_and_changes_nothing()
    {
        var user = await api.SignUp();
        await api.Users.Send(HttpMethod.Put, $"/user/update/{user.UserId}", new { name = "Second" }, user.AccessToken, ifMatch: "\"1\"");

        var stale = await api.Users.Send(HttpMethod.Put, $"/user/update/{user.UserId}", new { name = "Lost update" }, user.AccessToken, ifMatch: "\"1\"");

        await stale.AssertProblem(HttpStatusCode.PreconditionFailed, "version_mismatch");
        var current = await api.Users.Send(HttpMethod.Get, $"/user/{user.UserId}", token: user.AccessToken);
        Assert.Equal("\"2\"", current.Headers.ETag?.Tag);
        Assert.Equal("Second", (await current.Json()).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Me_answers_a_change_on_the_next_request_and_each_caller_only_their_own_user()
    {
        var user = await api.SignUp();
        var other = await api.SignUp();
        // Read twice each: the front end now holds both users and their encoded answers.
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(user.UserId, (await Me(user)).GetProperty("id").GetGuid());
            Assert.Equal(other.UserId, (await Me(other)).GetProperty("id").GetGuid());
        }

        var update = await api.Users.Send(HttpMethod.Put, $"/user/update/{user.UserId}", new { name = "Grace Hopper" }, user.AccessToken);
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);

        var changed = await Me(user);
        var unchanged = await Me(other);
        Assert.Equal(("Grace Hopper", 2L), (changed.GetProperty("name").GetString(), changed.GetProperty("version").GetInt64()));
        Assert.Equal((other.UserId, "Ada Lovelace"), (unchanged.GetProperty("id").GetGuid(), unchanged.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Changing_the_password_needs_the_current_one_and_ends_the_other_sessions()
    {
        var here = await api.SignUp("first password 1");
        var elsewhere = await api.SignIn(here.UserId, here.Email, here.Password);

        var withoutCurrent = await api.Users.Send(HttpMethod.Put, $"/user/update/{here.UserId}", new { password = "second password 2" }, here.AccessToken);
        var wrongCurrent = await api.Users.Send(HttpMethod.Put, $"/user/update/{here.UserId}", new { password = "second password 2", currentPassword = "nope nope" }, here.AccessToken);
        await withoutCurrent.AssertProblem(HttpStatusCode.BadRequest, "current_password_required");
        await wrongCurrent.AssertProblem(HttpStatusCode.BadRequest, "password_mismatch");
        Assert.Equal(HttpStatusCode.OK, (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: elsewhere.AccessToken)).StatusCode);

        var changed = await api.Users.Send(HttpMethod.Put, $"/user/update/{here.UserId}", new { password = "second password 2", currentPassword = "first password 1" }, here.AccessToken);

        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: here.AccessToken)).StatusCode);
        await (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: elsewhere.AccessToken)).AssertProblem(HttpStatusCode.Unauthorized);
        await (await api.Auth.Send(HttpMethod.Post, "/auth/refresh", new { refreshToken = elsewhere.RefreshToken })).AssertProblem(HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Auth.Login(here.Email, "first password 1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.Auth.Login(here.Email, "second password 2")).StatusCode);
    }

    [Fact]
    public async Task An_admin_resets_a_password_without_the_current_one_and_every_session_ends()
    {
        var admin = await api.SignInAsAdmin();
        var user = await api.SignUp();

        var reset = await api.Users.Send(HttpMethod.Put, $"/user/update/{user.UserId}", new { password = "reset by admin 1" }, admin.AccessToken);

        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        await (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: user.AccessToken)).AssertProblem(HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: admin.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.Auth.Login(user.Email, "reset by admin 1")).StatusCode);
    }

    [Fact]
    public async Task Changing_email_to_a_taken_one_is_409_and_the_new_email_logs_in_after_a_change()
    {
        var user = await api.SignUp();
        var other = await api.SignUp();
        var fresh = ApiCalls.UniqueEmail();

        var taken = await api.Users.Send(HttpMethod.Put, $"/user/update/{user.UserId}", new { email = other.Email, currentPassword = user.Password }, user.AccessToken);
        var moved = await api.Users.Send(HttpMethod.Put, $"/user/update/{user.UserId}", new { email = fresh, currentPassword = user.Password }, user.AccessToken);

        await taken.AssertProblem(HttpStatusCode.Conflict, "email_taken");
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.Auth.Login(fresh, user.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Auth.Login(user.Email, user.Password)).StatusCode);
    }

    [Fact]
    public async Task Unknown_users_are_404_for_an_admin()
    {
        var admin = await api.SignInAsAdmin();
        var nobody = Guid.NewGuid();

        await (await api.Users.Send(HttpMethod.Get, $"/user/{nobody}", token: admin.AccessToken)).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await api.Users.Send(HttpMethod.Put, $"/user/update/{nobody}", new { name = "x" }, admin.AccessToken)).AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task User_routes_need_a_token()
    {
        var user = await api.SignUp();

        await (await api.Users.Send(HttpMethod.Get, $"/user/{user.UserId}")).AssertProblem(HttpStatusCode.Unauthorized);
        await (await api.Users.Send(HttpMethod.Put, $"/user/update/{user.UserId}", new { name = "x" })).AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_password_change_may_keep_the_other_sessions_when_asked()
    {
        var here = await api.SignUp("first password 1");
        var elsewhere = await api.SignIn(here.UserId, here.Email, here.Password);

        var changed = await api.Users.Send(
            HttpMethod.Put,
            $"/user/update/{here.UserId}",
            new { password = "second password 2", currentPassword = "first password 1", endOtherSessions = false },
            here.AccessToken);

        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: elsewhere.AccessToken)).StatusCode);
    }

    private async Task<JsonElement> Me(Session session)
    {
        var answer = await api.Auth.Send(HttpMethod.Get, "/auth/me", token: session.AccessToken);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        return await answer.Json();
    }
}
