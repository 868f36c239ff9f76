using System.Diagnostics;
using System.Net;
using Tests.Http;
using Tests.Infrastructure;
using Xunit.Abstractions;
using TestSupport.OpenApi;

namespace Tests.Account;

/// <summary>docs/contract.md, Account lifecycle password reset, against a real SMTP server.</summary>
[Collection(AccountLifecycle.Name)]
public sealed class PasswordResetTests(AccountFixture api, ITestOutputHelper output)
{
    [Fact]
    public async Task Forgot_answers_alike_for_a_known_and_an_unknown_address_and_mails_only_the_known_one()
    {
        var known = await api.SignUp();
        var unknown = ApiCalls.UniqueEmail();

        var (knownAnswer, _) = await Timed(() => api.Forgot(known.Email.ToUpperInvariant()));
        var (unknownAnswer, _) = await Timed(() => api.Forgot(unknown));

        foreach (var answer in new[] { knownAnswer, unknownAnswer })
        {
            Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        }

        Assert.Equal(await knownAnswer.Content.ReadAsStringAsync(), await unknownAnswer.Content.ReadAsStringAsync());
        Assert.Equal(HeaderNames(knownAnswer), HeaderNames(unknownAnswer));
        // The answer is given before the address is looked up, so its time cannot depend on it; shown, not asserted.
        var knownTimes = new List<double>();
        var unknownTimes = new List<double>();
        for (var i = 0; i < 15; i++)
        {
            knownTimes.Add((await Timed(() => api.Forgot(known.Email))).Item2.TotalMilliseconds);
            unknownTimes.Add((await Timed(() => api.Forgot(ApiCalls.UniqueEmail()))).Item2.TotalMilliseconds);
        }

        output.WriteLine($"median of 15 alternating answers: known {Median(knownTimes):F2} ms, unknown {Median(unknownTimes):F2} ms");

        var mail = await api.Mail.WaitForMail(known.Email, MailCatcher.Reset);
        Assert.Equal("Reset your password", mail.Subject);
        Assert.Contains($"{AccountFixture.PublicBaseUrl}/reset-password?token=", mail.TextBody);
        Assert.Empty(api.Mail.MailsTo(unknown));
    }

    [Fact]
    public async Task A_reset_works_once_and_revokes_a_live_session_on_both_front_ends_at_once()
    {
        var user = await api.SignUp();
        // Both front ends hold the session in their cache before the reset.
        Assert.Equal(HttpStatusCode.OK, (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: user.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.Users.Send(HttpMethod.Get, $"/user/{user.UserId}", token: user.AccessToken)).StatusCode);

        await api.Forgot(user.Email);
        var token = MailCatcher.TokenIn(await api.Mail.WaitForMail(user.Email, MailCatcher.Reset));
        Assert.Equal(HttpStatusCode.NoContent, (await api.Reset(token, "a brand new passphrase")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: user.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Users.Send(HttpMethod.Get, $"/user/{user.UserId}", token: user.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Auth.Send(HttpMethod.Post, "/auth/refresh", new { refreshToken = user.RefreshToken })).StatusCode);
        await (await api.Reset(token, "yet another passphrase")).AssertProblem(HttpStatusCode.Gone, "token_gone");
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Auth.Login(user.Email, user.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.Auth.Login(user.Email, "a brand new passphrase")).StatusCode);
    }

    [Fact]
    public async Task Parallel_resets_with_one_token_let_exactly_one_through()
    {
        var user = await api.SignUp();
        await api.Forgot(user.Email);
        var token = MailCatcher.TokenIn(await api.Mail.WaitForMail(user.Email, MailCatcher.Reset));

        // Each request hashes its new password first, so all of them reach the grain at about the same time.
        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => api.Reset(token, $"parallel passphrase {i}")));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.NoContent);
        Assert.Equal(5, answers.Count(a => a.StatusCode == HttpStatusCode.Gone));
        var winner = Array.FindIndex(answers, a => a.StatusCode == HttpStatusCode.NoContent);
        Assert.Equal(HttpStatusCode.OK, (await api.Auth.Login(user.Email, $"parallel passphrase {winner}")).StatusCode);
    }

    [Fact]
    public async Task A_newer_reset_mail_supersedes_the_older_and_a_password_change_kills_the_newer()
    {
        var user = await api.SignUp();
        await api.Forgot(user.Email);
        var older = MailCatcher.TokenIn(await api.Mail.WaitForMail(user.Email, MailCatcher.Reset));
        await api.Forgot(user.Email);
        var newer = MailCatcher.TokenIn(await api.Mail.WaitForMail(user.Email, MailCatcher.Reset, count: 2));

        await (await api.Reset(older, "a brand new passphrase")).AssertProblem(HttpStatusCode.Gone, "token_gone");
        var changed = await api.Users.Send(
            HttpMethod.Put, $"/user/update/{user.UserId}", new { password = "changed the usual way", currentPassword = user.Password }, user.AccessToken);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        await (await api.Reset(newer, "a brand new passphrase")).AssertProblem(HttpStatusCode.Gone, "token_gone");
        Assert.Equal(HttpStatusCode.OK, (await api.Auth.Login(user.Email, "changed the usual way")).StatusCode);
    }

    [Fact]
    public async Task One_account_gets_at_most_three_reset_mails_an_hour_whoever_asks()
    {
        var user = await api.SignUp();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await api.Forgot(user.Email)).StatusCode);
        }

        // Requests are handled in order, and their mails sent in order by this front end: once a later request's
        // mail is in, the earlier five are all handled.
        var marker = await api.SignUp();
        await api.Forgot(marker.Email);
        await api.Mail.WaitForMail(marker.Email, MailCatcher.Reset);
        Assert.Equal(3, api.Mail.MailsTo(user.Email, MailCatcher.Reset).Count);
    }

    [Fact]
    public async Task One_client_is_limited_in_forgot_requests_whatever_the_address_known_or_not()
    {
        var limited = await api.StartAuthApi(("MAIL_REQUEST_RATE_LIMIT", "2"));
        var known = await api.SignUp();

        Assert.Equal(HttpStatusCode.Accepted, (await limited.Send(HttpMethod.Post, "/auth/password/forgot", new { email = ApiCalls.UniqueEmail() })).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await limited.Send(HttpMethod.Post, "/auth/password/forgot", new { email = ApiCalls.UniqueEmail() })).StatusCode);
        var third = await limited.Send(HttpMethod.Post, "/auth/password/forgot", new { email = known.Email });

        await third.AssertProblem(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.NotNull(third.Headers.RetryAfter);
    }

    [Fact]
    public async Task Bad_reset_requests_get_a_clear_4xx_and_change_nothing()
    {
        var user = await api.SignUp();
        await api.Forgot(user.Email);
        var token = MailCatcher.TokenIn(await api.Mail.WaitForMail(user.Email, MailCatcher.Reset));

        using (DeliberatelyInvalid.Requests())
        {
            await (await api.Reset(token, "short")).AssertProblem(HttpStatusCode.BadRequest);
            await (await api.Reset("", "a brand new passphrase")).AssertProblem(HttpStatusCode.BadRequest);
        }

        await (await api.Reset($"{user.UserId:N}.{new string('A', 43)}", "a brand new passphrase")).AssertProblem(HttpStatusCode.Gone, "token_gone");
        await (await api.Forgot("not an address")).AssertProblem(HttpStatusCode.BadRequest);
        await (await api.Auth.SendInvalid(HttpMethod.Post, "/auth/password/forgot", "{\"email\":\"a@b.example\",\"extra\":1}")).AssertProblem(HttpStatusCode.BadRequest);

        Assert.Equal(HttpStatusCode.OK, (await api.Auth.Login(user.Email, user.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await api.Reset(token, "a brand new passphrase")).StatusCode);
    }

    private static async Task<(HttpResponseMessage, TimeSpan)> Timed(Func<Task<HttpResponseMessage>> call)
    {
        var watch = Stopwatch.StartNew();
        var answer = await call();
        return (answer, watch.Elapsed);
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static string HeaderNames(HttpResponseMessage answer) =>
        string.Join(",", answer.Headers.Concat(answer.Content.Headers).Select(h => h.Key).Where(h => h != "Date").Order());
}
