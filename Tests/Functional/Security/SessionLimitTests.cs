using System.Net;
using Tests.Http;

namespace Tests.Security;

/// <summary>A user's sessions are bounded (SESSIONS_PER_USER): a login beyond the limit revokes the oldest ones.</summary>
[Collection(FrontEnds.Name)]
public sealed class SessionLimitTests(FrontEndsFixture api)
{
    [Fact]
    public async Task A_login_beyond_the_limit_revokes_the_users_oldest_sessions_and_no_other()
    {
        var owner = await api.SignUp();
        var auth = await api.StartAuthFrontEnd(("SESSIONS_PER_USER", "2"));
        List<string> tokens = [owner.AccessToken];
        for (var login = 0; login < 3; login++)
        {
            var answer = await auth.Login(owner.Email, owner.Password);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            tokens.Add((await answer.Json()).GetProperty("accessToken").GetString()!);
        }

        var me = await Task.WhenAll(tokens.Select(token => auth.Send(HttpMethod.Get, "/auth/me", token: token)));
        var listed = await (await auth.Send(HttpMethod.Get, "/auth/sessions", token: tokens[^1])).Json();

        // The sign-up's session and the first of these logins were the oldest two.
        Assert.Equal(
            [HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.OK, HttpStatusCode.OK],
            me.Select(answer => answer.StatusCode));
        Assert.Equal(2, listed.GetArrayLength());
    }
}
