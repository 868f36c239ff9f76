using System.Net;
using Tests.Http;
using Tests.Infrastructure;

namespace Tests.Account;

/// <summary>docs/contract.md, Account lifecycle verification, against a real SMTP server: the mail arrives, its link works once, and dies with the address.</summary>
[Collection(AccountLifecycle.Name)]
public sealed class EmailVerificationTests(AccountFixture api)
{
    [Fact]
    public async Task Registration_mails_a_link_that_verifies_the_address_once_and_strict_login_waits_for_it()
    {
        var email = ApiCalls.UniqueEmail();
        var created = await api.Users.Register(email, "correct horse battery");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.False((await created.Json()).GetProperty("emailVerified").GetBoolean());
        await (await api.StrictAuth.Login(email, "correct horse battery")).AssertProblem(HttpStatusCode.Forbidden, "email_not_verified");

        var mail = await api.Mail.WaitForMail(email, MailCatcher.Verification);
        Assert.Equal("accounts@example.test", mail.From.Mailboxes.Single().Address);
        Assert.Contains($"{AccountFixture.PublicBaseUrl}/verify-email?token=", mail.TextBody);
        Assert.Contains($"{AccountFixture.PublicBaseUrl}/verify-email?token=", mail.HtmlBody);
        var token = MailCatcher.TokenIn(mail);

        var verified = await api.VerifyEmail(token);
        Assert.Equal(HttpStatusCode.OK, verified.StatusCode);
        Assert.True((await verified.Json()).GetProperty("emailVerified").GetBoolean());
        await (await api.VerifyEmail(token)).AssertProblem(HttpStatusCode.Gone, "token_gone");
        Assert.Equal(HttpStatusCode.OK, (await api.StrictAuth.Login(email, "correct horse battery")).StatusCode);
    }

    [Fact]
    public async Task An_email_change_unverifies_kills_the_old_link_mails_the_new_address_and_tells_the_old_one()
    {
        var user = await api.SignUp();
        var oldToken = MailCatcher.TokenIn(await api.Mail.WaitForMail(user.Email, MailCatcher.Verification));
        var newEmail = ApiCalls.UniqueEmail();

        var changed = await api.Users.Send(HttpMethod.Put, $"/user/update/{user.UserId}", new { email = newEmail, currentPassword = user.Password }, user.AccessToken);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.False((await changed.Json()).GetProperty("emailVerified").GetBoolean());

        await (await api.VerifyEmail(oldToken)).AssertProblem(HttpStatusCode.Gone, "token_gone");
        var notice = await api.Mail.WaitForMail(user.Email, MailCatcher.EmailChanged);
        Assert.Contains(newEmail, notice.TextBody);
        Assert.DoesNotContain("token=", notice.TextBody);
        var newToken = MailCatcher.TokenIn(await api.Mail.WaitForMail(newEmail, MailCatcher.Verification));
        Assert.Equal(HttpStatusCode.OK, (await api.VerifyEmail(newToken)).StatusCode);
    }

    [Fact]
    public async Task A_verified_address_is_unverified_again_by_a_change_and_a_password_change_kills_a_pending_link()
    {
        var user = await api.SignUp();
        var token = MailCatcher.TokenIn(await api.Mail.WaitForMail(user.Email, MailCatcher.Verification));

        var changed = await api.Users.Send(
            HttpMethod.Put, $"/user/update/{user.UserId}", new { password = "a brand new passphrase", currentPassword = user.Password }, user.AccessToken);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);

        await (await api.VerifyEmail(token)).AssertProblem(HttpStatusCode.Gone, "token_gone");
    }

    [Fact]
    public async Task A_mail_outage_does_not_fail_a_registration_and_the_mail_arrives_once_the_server_is_back()
    {
        var email = ApiCalls.UniqueEmail();
        await api.Mail.Stop();
        try
        {
            Assert.Equal(HttpStatusCode.Created, (await api.Users.Register(email)).StatusCode);
            Assert.Empty(api.Mail.MailsTo(email));
        }
        finally
        {
            await api.Mail.Resume();
        }

        var token = MailCatcher.TokenIn(await api.Mail.WaitForMail(email, MailCatcher.Verification, seconds: 60));
        Assert.Equal(HttpStatusCode.OK, (await api.VerifyEmail(token)).StatusCode);
    }

    [Fact]
    public async Task Resend_needs_a_session_and_is_limited_to_one_link_a_minute()
    {
        var user = await api.SignUp();
        var first = MailCatcher.TokenIn(await api.Mail.WaitForMail(user.Email, MailCatcher.Verification));

        // Registration just issued a link: a resend within the minute is refused.
        var tooSoon = await api.Users.Send(HttpMethod.Post, "/user/verify-email/resend", token: user.AccessToken);
        await tooSoon.AssertProblem(HttpStatusCode.TooManyRequests);
        Assert.NotNull(tooSoon.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Users.Send(HttpMethod.Post, "/user/verify-email/resend")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.VerifyEmail(first)).StatusCode);
    }
}
