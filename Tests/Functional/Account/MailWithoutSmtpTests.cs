using System.Net;
using System.Text.RegularExpressions;
using Api.Mail;
using Hosting.Configuration;
using Microsoft.Extensions.Configuration;
using Tests.Http;
using Tests.Infrastructure;

namespace Tests.Account;

/// <summary>Without SMTP_HOST (the embedded default) a mail is written to the log, marked as not sent, and its link works.</summary>
[Collection(FrontEnds.Name)]
public sealed partial class MailWithoutSmtpTests(FrontEndsFixture api)
{
    [Fact]
    public async Task A_registration_mail_is_logged_as_not_sent_with_a_link_that_works()
    {
        var email = ApiCalls.UniqueEmail();
        Assert.Equal(HttpStatusCode.Created, (await api.Users.Register(email)).StatusCode);

        var line = await Poll.Until(
            () => Task.FromResult(api.Logs.Lines.FirstOrDefault(l => l.Contains("MAIL NOT SENT", StringComparison.Ordinal) && l.Contains(email, StringComparison.Ordinal))),
            l => l is not null);
        Assert.NotNull(line);
        var token = Link().Match(line).Groups[1].Value;

        var verified = await api.Users.Send(HttpMethod.Post, "/user/verify-email", new { token });
        Assert.Equal(HttpStatusCode.OK, verified.StatusCode);
        Assert.True((await verified.Json()).GetProperty("emailVerified").GetBoolean());
    }

    [Theory]
    [InlineData("SMTP_SECURITY", "ssl3")]
    [InlineData("SMTP_PORT", "70000")]
    [InlineData("SMTP_FROM", "not an address")]
    [InlineData("PUBLIC_BASE_URL", "ftp://example.com")]
    [InlineData("SMTP_USERNAME", "only-a-user")]
    public void A_bad_mail_setting_stops_the_start_with_a_line_naming_it(string key, string value)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["SMTP_HOST"] = "mail.example.com", [key] = value }).Build();

        var error = Assert.Throws<ConfigurationException>(() => MailSettings.From(config));

        Assert.Contains(key, error.Message);
    }

    [GeneratedRegex(@"http://localhost:3002/verify-email\?token=([A-Za-z0-9_.\-]+)")]
    private static partial Regex Link();
}
