using System.Net;
using Tests.Http;

namespace Tests.Security;

/// <summary>What a stolen access token alone must not be enough for: taking the login over or deleting the account.</summary>
[Collection(FrontEnds.Name)]
public sealed class StepUpTests(FrontEndsFixture api)
{
    [Fact]
    public async Task Changing_the_email_needs_the_current_password_and_a_refusal_changes_nothing()
    {
        var victim = await api.SignUp();
        var attacker = ApiCalls.UniqueEmail();

        var without = await api.Users.Send(HttpMethod.Put, $"/user/update/{victim.UserId}", new { email = attacker }, victim.AccessToken);
        var wrong = await api.Users.Send(HttpMethod.Put, $"/user/update/{victim.UserId}", new { email = attacker, currentPassword = "a guess at it" }, victim.AccessToken);

        await without.AssertProblem(HttpStatusCode.BadRequest, "current_password_required");
        await wrong.AssertProblem(HttpStatusCode.BadRequest, "password_mismatch");
        var stored = await (await api.Users.Send(HttpMethod.Get, $"/user/{victim.UserId}", token: victim.AccessToken)).Json();
        Assert.Equal((victim.Email, 1), (stored.GetProperty("email").GetString(), stored.GetProperty("version").GetInt32()));
        Assert.Equal(HttpStatusCode.OK, (await api.Auth.Login(victim.Email, victim.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Auth.Login(attacker, victim.Password)).StatusCode);
    }

    [Fact]
    public async Task Deleting_yourself_needs_the_current_password()
    {
        var victim = await api.SignUp();

        var without = await api.Users.Send(HttpMethod.Delete, $"/user/{victim.UserId}", token: victim.AccessToken);
        var wrong = await api.Users.Send(HttpMethod.Delete, $"/user/{victim.UserId}", new { currentPassword = "a guess at it" }, victim.AccessToken);

        await without.AssertProblem(HttpStatusCode.BadRequest, "current_password_required");
        await wrong.AssertProblem(HttpStatusCode.BadRequest, "password_mismatch");
        Assert.Equal(HttpStatusCode.OK, (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: victim.AccessToken)).StatusCode);
        Assert.Equal(
            HttpStatusCode.NoContent,
            (await api.Users.Send(HttpMethod.Delete, $"/user/{victim.UserId}", new { currentPassword = victim.Password }, victim.AccessToken)).StatusCode);
        await (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: victim.AccessToken)).AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_email_change_ends_the_users_other_sessions_and_keeps_this_one()
    {
        var laptop = await api.SignUp();
        var phone = await api.SignIn(laptop.UserId, laptop.Email, laptop.Password);

        var moved = await api.Users.Send(
            HttpMethod.Put, $"/user/update/{laptop.UserId}", new { email = ApiCalls.UniqueEmail(), currentPassword = laptop.Password }, laptop.AccessToken);

        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        await (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: phone.AccessToken)).AssertProblem(HttpStatusCode.Unauthorized);
        await (await api.Auth.Send(HttpMethod.Post, "/auth/refresh", new { refreshToken = phone.RefreshToken })).AssertProblem(HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: laptop.AccessToken)).StatusCode);
    }

    [Fact]
    public async Task An_admin_changes_anothers_email_and_deletes_them_without_their_password()
    {
        var admin = await api.SignInAsAdmin();
        var user = await api.SignUp();

        var moved = await api.Users.Send(HttpMethod.Put, $"/user/update/{user.UserId}", new { email = ApiCalls.UniqueEmail() }, admin.AccessToken);
        var deleted = await api.Users.Send(HttpMethod.Delete, $"/user/{user.UserId}", token: admin.AccessToken);

        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: user.AccessToken)).AssertProblem(HttpStatusCode.Unauthorized);
    }
}
