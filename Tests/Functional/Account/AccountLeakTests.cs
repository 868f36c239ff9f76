using System.Net;
using Grains.Users.Account;
using Tests.Http;
using Tests.Infrastructure;

namespace Tests.Account;

/// <summary>With SMTP configured, no token, code, secret or password of the account flows reaches a log.</summary>
[Collection(AccountLifecycle.Name)]
public sealed class AccountLeakTests(AccountFixture api)
{
    [Fact]
    public async Task Tokens_codes_secrets_and_passwords_of_the_account_flows_stay_out_of_the_logs()
    {
        var user = await api.SignUp();
        var verification = MailCatcher.TokenIn(await api.Mail.WaitForMail(user.Email, MailCatcher.Verification));
        Assert.Equal(HttpStatusCode.OK, (await api.VerifyEmail(verification)).StatusCode);
        var (secret, codes) = await api.EnableTotp(user);
        var ticket = await api.MfaTicket(user);
        var login = await api.LoginMfa(ticket, codes[0]);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        await api.Forgot(user.Email);
        var reset = MailCatcher.TokenIn(await api.Mail.WaitForMail(user.Email, MailCatcher.Reset));
        const string newPassword = "leak test passphrase";
        Assert.Equal(HttpStatusCode.NoContent, (await api.Reset(reset, newPassword)).StatusCode);

        var secrets = new[] { verification, reset, ticket, secret, codes[0], codes[1], user.Password, newPassword, TotpCodes.At(secret, DateTimeOffset.UtcNow) };
        var logs = api.Logs.Lines.ToList();
        Assert.NotEmpty(logs);
        foreach (var value in secrets.Where(s => s.Length > 6))
        {
            Assert.DoesNotContain(logs, line => line.Contains(value, StringComparison.Ordinal));
        }

        // The secret's part of a token (after the user id) must not appear either.
        foreach (var token in new[] { verification, reset, ticket })
        {
            var secretPart = token[(token.IndexOf('.') + 1)..];
            Assert.DoesNotContain(logs, line => line.Contains(secretPart, StringComparison.Ordinal));
        }
    }
}
