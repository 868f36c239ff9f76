using System.Net;
using Grains.Users.Account;
using Tests.Http;

namespace Tests.Account;

/// <summary>The account-lifecycle calls the tests make, as a client (and a mail reader) would.</summary>
public static class AccountCalls
{
    public static async Task<Session> SignUp(this AccountFixture api, string password = "correct horse battery")
    {
        var email = ApiCalls.UniqueEmail();
        var created = await api.Users.Register(email, password);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Json()).GetProperty("id").GetGuid();
        var login = await api.Auth.Login(email, password);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var tokens = await login.Json();
        return new Session(id, email, password, tokens.GetProperty("accessToken").GetString()!, tokens.GetProperty("refreshToken").GetString()!);
    }

    public static Task<HttpResponseMessage> Forgot(this AccountFixture api, string email) =>
        api.Auth.Send(HttpMethod.Post, "/auth/password/forgot", new { email });

    public static Task<HttpResponseMessage> Reset(this AccountFixture api, string token, string newPassword) =>
        api.Auth.Send(HttpMethod.Post, "/auth/password/reset", new { token, newPassword });

    public static Task<HttpResponseMessage> VerifyEmail(this AccountFixture api, string token) =>
        api.Users.Send(HttpMethod.Post, "/user/verify-email", new { token });

    /// <summary>Turns TOTP on for the session's user: the secret and the recovery codes.</summary>
    public static async Task<(string Secret, string[] RecoveryCodes)> EnableTotp(this AccountFixture api, Session session)
    {
        var setup = await api.Auth.Send(HttpMethod.Post, "/auth/mfa/totp", new { currentPassword = session.Password }, session.AccessToken);
        Assert.Equal(HttpStatusCode.OK, setup.StatusCode);
        var secret = (await setup.Json()).GetProperty("secret").GetString()!;
        var confirm = await api.Auth.Send(HttpMethod.Post, "/auth/mfa/totp/confirm", new { code = TotpCodes.At(secret, DateTimeOffset.UtcNow) }, session.AccessToken);
        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        var codes = (await confirm.Json()).GetProperty("recoveryCodes").EnumerateArray().Select(c => c.GetString()!).ToArray();
        return (secret, codes);
    }

    /// <summary>Logs in with the password of a user whose second factor is on: the MFA ticket.</summary>
    public static async Task<string> MfaTicket(this AccountFixture api, Session session)
    {
        var login = await api.Auth.Login(session.Email, session.Password);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var body = await login.Json();
        Assert.True(body.GetProperty("mfaRequired").GetBoolean());
        Assert.False(body.TryGetProperty("accessToken", out _));
        return body.GetProperty("mfaTicket").GetString()!;
    }

    public static Task<HttpResponseMessage> LoginMfa(this AccountFixture api, string mfaTicket, string code) =>
        api.Auth.Send(HttpMethod.Post, "/auth/login/mfa", new { mfaTicket, code });
}
