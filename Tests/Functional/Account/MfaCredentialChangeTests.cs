using System.Net;
using Tests.Http;

namespace Tests.Account;

/// <summary>
/// A login that passed the password step and waits for its second factor, while the password changes: the
/// change ends every login checked before it, so the MFA step must not open a session.
/// </summary>
[Collection(AccountLifecycle.Name)]
public sealed class MfaCredentialChangeTests(AccountFixture api)
{
    [Fact]
    public async Task A_password_change_between_the_password_step_and_the_second_factor_leaves_no_session()
    {
        var user = await api.SignUp();
        var (_, codes) = await api.EnableTotp(user);
        var ticket = await api.MfaTicket(user);
        var sessionsBefore = await SessionIds(user.AccessToken);

        var change = await api.Users.Send(
            HttpMethod.Put, $"/user/update/{user.UserId}", new { password = "a different staple", currentPassword = user.Password }, user.AccessToken);
        Assert.Equal(HttpStatusCode.OK, change.StatusCode);

        // A right recovery code on a ticket from before the change: refused, and the code is not spent.
        await (await api.LoginMfa(ticket, codes[0])).AssertProblem(HttpStatusCode.Unauthorized, "invalid_mfa_ticket");
        Assert.Equal(sessionsBefore, await SessionIds(user.AccessToken));

        var fresh = await api.MfaTicket(user with { Password = "a different staple" });
        Assert.Equal(HttpStatusCode.OK, (await api.LoginMfa(fresh, codes[0])).StatusCode);
    }

    private async Task<List<string>> SessionIds(string accessToken)
    {
        var sessions = await (await api.Auth.Send(HttpMethod.Get, "/auth/sessions", token: accessToken)).Json();
        return sessions.EnumerateArray().Select(s => s.GetProperty("id").GetString()!).Order().ToList();
    }
}
