using System.Net;
using Grains.Users.Account;
using Tests.Http;
using TestSupport.OpenApi;

namespace Tests.Account;

/// <summary>docs/contract.md, Account lifecycle second factor over HTTP: setup, login with a code or a recovery code, replay, throttling, turning off.</summary>
[Collection(AccountLifecycle.Name)]
public sealed class TotpTests(AccountFixture api)
{
    [Fact]
    public async Task Setup_needs_the_password_and_a_first_code_then_login_asks_for_the_second_factor()
    {
        var user = await api.SignUp();
        var wrong = await api.Auth.Send(HttpMethod.Post, "/auth/mfa/totp", new { currentPassword = "not my password" }, user.AccessToken);
        await wrong.AssertProblem(HttpStatusCode.Unauthorized, "password_mismatch");

        var setup = await api.Auth.Send(HttpMethod.Post, "/auth/mfa/totp", new { currentPassword = user.Password }, user.AccessToken);
        Assert.Equal(HttpStatusCode.OK, setup.StatusCode);
        var body = await setup.Json();
        var secret = body.GetProperty("secret").GetString()!;
        Assert.StartsWith("otpauth://totp/", body.GetProperty("otpauthUri").GetString());
        Assert.Contains($"secret={secret}", body.GetProperty("otpauthUri").GetString());
        Assert.Contains("<svg", body.GetProperty("qrSvg").GetString());

        // Pending: login still gives tokens, and a wrong first code does not turn it on.
        Assert.True((await (await api.Auth.Login(user.Email, user.Password)).Json()).TryGetProperty("accessToken", out _));
        var badCode = await api.Auth.Send(HttpMethod.Post, "/auth/mfa/totp/confirm", new { code = "000000" == TotpCodes.At(secret, DateTimeOffset.UtcNow) ? "111111" : "000000" }, user.AccessToken);
        await badCode.AssertProblem(HttpStatusCode.BadRequest, "invalid_code");

        var confirm = await api.Auth.Send(HttpMethod.Post, "/auth/mfa/totp/confirm", new { code = TotpCodes.At(secret, DateTimeOffset.UtcNow) }, user.AccessToken);
        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        var codes = (await confirm.Json()).GetProperty("recoveryCodes").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Equal(10, codes.Distinct().Count());
        var me = await (await api.Users.Send(HttpMethod.Get, $"/user/{user.UserId}", token: user.AccessToken)).Json();
        Assert.True(me.GetProperty("mfaEnabled").GetBoolean());
        await (await api.Auth.Send(HttpMethod.Post, "/auth/mfa/totp", new { currentPassword = user.Password }, user.AccessToken))
            .AssertProblem(HttpStatusCode.Conflict, "totp_already_on");

        var ticket = await api.MfaTicket(user);
        // The next step's code: the confirming code's own step is spent.
        var login = await api.LoginMfa(ticket, TotpCodes.At(secret, DateTimeOffset.UtcNow.AddSeconds(30)));
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: (await login.Json()).GetProperty("accessToken").GetString())).StatusCode);
        await (await api.LoginMfa(ticket, TotpCodes.At(secret, DateTimeOffset.UtcNow.AddSeconds(30)))).AssertProblem(HttpStatusCode.Unauthorized, "invalid_mfa_ticket");
    }

    [Fact]
    public async Task A_used_code_is_refused_again_within_its_window()
    {
        var user = await api.SignUp();
        var (secret, _) = await api.EnableTotp(user);
        var code = TotpCodes.At(secret, DateTimeOffset.UtcNow.AddSeconds(30));

        Assert.Equal(HttpStatusCode.OK, (await api.LoginMfa(await api.MfaTicket(user), code)).StatusCode);
        var replay = await api.LoginMfa(await api.MfaTicket(user), code);

        await replay.AssertProblem(HttpStatusCode.Unauthorized, "invalid_code");
    }

    [Fact]
    public async Task A_recovery_code_works_once()
    {
        var user = await api.SignUp();
        var (_, codes) = await api.EnableTotp(user);

        Assert.Equal(HttpStatusCode.OK, (await api.LoginMfa(await api.MfaTicket(user), codes[3].ToUpperInvariant())).StatusCode);
        await (await api.LoginMfa(await api.MfaTicket(user), codes[3])).AssertProblem(HttpStatusCode.Unauthorized, "invalid_code");
        Assert.Equal(HttpStatusCode.OK, (await api.LoginMfa(await api.MfaTicket(user), codes[4])).StatusCode);
    }

    [Fact]
    public async Task One_recovery_code_sent_in_parallel_logs_in_exactly_once()
    {
        var user = await api.SignUp();
        var (_, codes) = await api.EnableTotp(user);
        var tickets = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            tickets.Add(await api.MfaTicket(user));
        }

        var answers = await Task.WhenAll(tickets.Select(t => api.LoginMfa(t, codes[7])));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.Equal(3, answers.Count(a => a.StatusCode == HttpStatusCode.Unauthorized));
    }

    [Fact]
    public async Task Second_factor_guesses_are_throttled_like_passwords_even_for_the_right_code()
    {
        var user = await api.SignUp();
        var (secret, _) = await api.EnableTotp(user);
        var ticket = await api.MfaTicket(user);
        var right = TotpCodes.At(secret, DateTimeOffset.UtcNow.AddSeconds(30));
        var wrong = right == "123456" ? "654321" : "123456";

        for (var i = 0; i < 5; i++)
        {
            await (await api.LoginMfa(ticket, wrong)).AssertProblem(HttpStatusCode.Unauthorized, "invalid_code");
        }

        var braked = await api.LoginMfa(ticket, right);
        await braked.AssertProblem(HttpStatusCode.TooManyRequests, "too_many_attempts");
        Assert.NotNull(braked.Headers.RetryAfter);
    }

    [Fact]
    public async Task Turning_it_off_needs_the_password_and_a_code_and_then_login_gives_tokens_again()
    {
        var user = await api.SignUp();
        var (secret, codes) = await api.EnableTotp(user);

        await (await api.Auth.Send(HttpMethod.Delete, "/auth/mfa/totp", new { currentPassword = "not my password", code = codes[0] }, user.AccessToken))
            .AssertProblem(HttpStatusCode.Unauthorized, "password_mismatch");
        await (await api.Auth.Send(HttpMethod.Delete, "/auth/mfa/totp", new { currentPassword = user.Password, code = "not-a-code" }, user.AccessToken))
            .AssertProblem(HttpStatusCode.Unauthorized, "invalid_code");
        using (DeliberatelyInvalid.Requests())
        {
            await (await api.Auth.Send(HttpMethod.Delete, "/auth/mfa/totp", new { currentPassword = user.Password }, user.AccessToken))
                .AssertProblem(HttpStatusCode.BadRequest);
        }

        Assert.True((await (await api.Auth.Login(user.Email, user.Password)).Json()).TryGetProperty("mfaRequired", out _));

        var off = await api.Auth.Send(HttpMethod.Delete, "/auth/mfa/totp", new { currentPassword = user.Password, code = codes[0] }, user.AccessToken);
        Assert.Equal(HttpStatusCode.NoContent, off.StatusCode);
        Assert.True((await (await api.Auth.Login(user.Email, user.Password)).Json()).TryGetProperty("accessToken", out _));
        _ = secret;
    }

    [Fact]
    public async Task A_password_reset_leaves_the_second_factor_on()
    {
        var user = await api.SignUp();
        var (_, codes) = await api.EnableTotp(user);
        await api.Forgot(user.Email);
        var token = Tests.Infrastructure.MailCatcher.TokenIn(await api.Mail.WaitForMail(user.Email, Tests.Infrastructure.MailCatcher.Reset));
        Assert.Equal(HttpStatusCode.NoContent, (await api.Reset(token, "a brand new passphrase")).StatusCode);

        var ticket = await api.MfaTicket(user with { Password = "a brand new passphrase" });
        Assert.Equal(HttpStatusCode.OK, (await api.LoginMfa(ticket, codes[0])).StatusCode);
    }

    [Fact]
    public async Task An_admin_can_reset_a_users_second_factor_and_nobody_else_can()
    {
        var user = await api.SignUp();
        var other = await api.SignUp();
        await api.EnableTotp(user);
        var adminLogin = await (await api.Auth.Login(FrontEndsFixture.AdminEmail, FrontEndsFixture.AdminPassword)).Json();
        var admin = adminLogin.GetProperty("accessToken").GetString();

        await (await api.Users.Send(HttpMethod.Delete, $"/user/{user.UserId}/mfa", token: other.AccessToken)).AssertProblem(HttpStatusCode.Forbidden);
        await (await api.Users.Send(HttpMethod.Delete, $"/user/{user.UserId}/mfa", token: user.AccessToken)).AssertProblem(HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.NoContent, (await api.Users.Send(HttpMethod.Delete, $"/user/{user.UserId}/mfa", token: admin)).StatusCode);
        await (await api.Users.Send(HttpMethod.Delete, $"/user/{user.UserId}/mfa", token: admin)).AssertProblem(HttpStatusCode.NotFound);

        Assert.True((await (await api.Auth.Login(user.Email, user.Password)).Json()).TryGetProperty("accessToken", out _));
    }
}
