using System.Net;
using TestSupport.OpenApi;

namespace Tests.Http;

[Collection(FrontEnds.Name)]
public sealed class SessionRoutesTests(FrontEndsFixture api)
{
    [Fact]
    public async Task Logout_all_revokes_every_session_of_the_user()
    {
        var laptop = await api.SignUp();
        var phone = await api.SignIn(laptop.UserId, laptop.Email, laptop.Password);

        var response = await api.Auth.Send(HttpMethod.Post, "/auth/logout-all", token: phone.AccessToken);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: laptop.AccessToken)).AssertProblem(HttpStatusCode.Unauthorized);
        await (await api.Users.Send(HttpMethod.Get, $"/user/{phone.UserId}", token: phone.AccessToken)).AssertProblem(HttpStatusCode.Unauthorized);
        await (await api.Auth.Send(HttpMethod.Post, "/auth/refresh", new { refreshToken = laptop.RefreshToken })).AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Sessions_lists_the_live_sessions_and_one_can_be_revoked()
    {
        var laptop = await api.SignUp();
        var phone = await api.SignIn(laptop.UserId, laptop.Email, laptop.Password);

        var list = await (await api.Auth.Send(HttpMethod.Get, "/auth/sessions", token: laptop.AccessToken)).Json();
        var sessions = list.EnumerateArray().ToList();
        Assert.Equal(2, sessions.Count);
        Assert.Single(sessions, s => s.GetProperty("current").GetBoolean());
        Assert.All(sessions, s => Assert.Equal("127.0.0.1", s.GetProperty("ipAddress").GetString()));
        var phoneSession = sessions.Single(s => !s.GetProperty("current").GetBoolean()).GetProperty("id").GetGuid();

        var revoked = await api.Auth.Send(HttpMethod.Delete, $"/auth/sessions/{phoneSession}", token: laptop.AccessToken);

        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        await (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: phone.AccessToken)).AssertProblem(HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: laptop.AccessToken)).StatusCode);
        var after = await (await api.Auth.Send(HttpMethod.Get, "/auth/sessions", token: laptop.AccessToken)).Json();
        Assert.Single(after.EnumerateArray());
    }

    [Fact]
    public async Task Another_users_session_cannot_be_revoked_and_is_404()
    {
        var mallory = await api.SignUp();
        var alice = await api.SignUp();
        var aliceSessions = await (await api.Auth.Send(HttpMethod.Get, "/auth/sessions", token: alice.AccessToken)).Json();
        var aliceSession = aliceSessions.EnumerateArray().Single().GetProperty("id").GetGuid();

        var attempt = await api.Auth.Send(HttpMethod.Delete, $"/auth/sessions/{aliceSession}", token: mallory.AccessToken);
        var unknown = await api.Auth.Send(HttpMethod.Delete, $"/auth/sessions/{Guid.NewGuid()}", token: mallory.AccessToken);

        await attempt.AssertProblem(HttpStatusCode.NotFound, "not_found");
        await unknown.AssertProblem(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(HttpStatusCode.OK, (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: alice.AccessToken)).StatusCode);
    }

    [Fact]
    public async Task Introspection_reports_a_live_token_and_then_its_revocation()
    {
        var user = await api.SignUp();

        var live = await (await api.Auth.Introspect(user.AccessToken)).Json();
        await api.Auth.Send(HttpMethod.Post, "/auth/logout", token: user.AccessToken);
        var dead = await (await api.Auth.Introspect(user.AccessToken)).Json();

        Assert.True(live.GetProperty("active").GetBoolean());
        Assert.Equal(user.UserId, live.GetProperty("sub").GetGuid());
        Assert.True(live.GetProperty("exp").GetInt64() > DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.Empty(live.GetProperty("permissions").EnumerateArray());
        Assert.False(dead.GetProperty("active").GetBoolean());
        Assert.False(dead.TryGetProperty("sub", out _));
    }

    [Theory]
    [InlineData("not a token")]
    [InlineData("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")]
    public async Task Introspecting_garbage_is_inactive(string token)
    {
        var response = await api.Auth.Introspect(token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False((await response.Json()).GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task Introspection_without_a_token_is_400()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/auth/introspect") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = ApiCalls.IntrospectionCredentials();
        await (await api.Auth.SendAsync(request.MarkInvalid())).AssertProblem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Deleting_yourself_deactivates_the_account_and_revokes_every_session()
    {
        var user = await api.SignUp();
        var other = await api.SignIn(user.UserId, user.Email, user.Password);

        var deleted = await api.Users.Send(HttpMethod.Delete, $"/user/{user.UserId}", new { currentPassword = user.Password }, user.AccessToken);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: other.AccessToken)).AssertProblem(HttpStatusCode.Unauthorized);
        await (await api.Auth.Login(user.Email, user.Password)).AssertProblem(HttpStatusCode.Unauthorized, "invalid_credentials");
    }

    [Fact]
    public async Task Only_the_user_or_an_admin_may_delete_and_an_unknown_user_is_404()
    {
        var mallory = await api.SignUp();
        var alice = await api.SignUp();
        var admin = await api.SignInAsAdmin();

        await (await api.Users.Send(HttpMethod.Delete, $"/user/{alice.UserId}", token: mallory.AccessToken)).AssertProblem(HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.NoContent, (await api.Users.Send(HttpMethod.Delete, $"/user/{alice.UserId}", token: admin.AccessToken)).StatusCode);
        await (await api.Users.Send(HttpMethod.Delete, $"/user/{alice.UserId}", token: admin.AccessToken)).AssertProblem(HttpStatusCode.NotFound);
        await (await api.Users.Send(HttpMethod.Get, $"/user/{alice.UserId}", token: admin.AccessToken)).AssertProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_session_both_front_ends_have_checked_is_refused_by_both_right_after_logout()
    {
        var session = await api.SignUp();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: session.AccessToken)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await api.Users.Send(HttpMethod.Get, $"/user/{session.UserId}", token: session.AccessToken)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await api.Auth.Send(HttpMethod.Post, "/auth/logout", token: session.AccessToken)).StatusCode);

        await (await api.Users.Send(HttpMethod.Get, $"/user/{session.UserId}", token: session.AccessToken)).AssertProblem(HttpStatusCode.Unauthorized);
        await (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: session.AccessToken)).AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_rename_shows_in_me_on_the_next_request_after_repeated_reads()
    {
        var session = await api.SignUp();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("Ada Lovelace", (await (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: session.AccessToken)).Json()).GetProperty("name").GetString());
        }

        var current = await api.Users.Send(HttpMethod.Get, $"/user/{session.UserId}", token: session.AccessToken);
        var renamed = await api.Users.Send(
            HttpMethod.Put, $"/user/update/{session.UserId}", new { name = "Countess of Lovelace" }, session.AccessToken, current.Headers.ETag!.Tag);
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);

        var me = await (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: session.AccessToken)).Json();
        Assert.Equal("Countess of Lovelace", me.GetProperty("name").GetString());
    }
}
