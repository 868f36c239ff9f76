using System.Net;
using System.Text.Json;
using Tests.Http;

namespace Tests.Security;

/// <summary>
/// Whether an email (or a user id) is known cannot be told from the answers, except where docs/contract.md, User API
/// requires it: registration and an email change answer 409 for a taken address. Timing is measured
/// by the benchmark, not here.
/// </summary>
[Collection(FrontEnds.Name)]
public sealed class EnumerationTests(FrontEndsFixture api)
{
    [Fact]
    public async Task Login_answers_alike_for_an_unknown_email_a_wrong_password_and_a_deleted_user()
    {
        var known = await api.SignUp();
        var deleted = await api.SignUp();
        Assert.Equal(
            HttpStatusCode.NoContent,
            (await api.Users.Send(HttpMethod.Delete, $"/user/{deleted.UserId}", new { currentPassword = deleted.Password }, deleted.AccessToken)).StatusCode);

        var answers = new[]
        {
            await api.Auth.Login(ApiCalls.UniqueEmail(), "some password 1"),
            await api.Auth.Login(known.Email, "some password 1"),
            await api.Auth.Login(known.Email.ToUpperInvariant(), "some password 1"),
            await api.Auth.Login(deleted.Email, deleted.Password),
        };

        await AssertAlike(answers, HttpStatusCode.Unauthorized, "invalid_credentials");
    }

    [Fact]
    public async Task Throttling_looks_the_same_for_a_known_and_an_unknown_email()
    {
        var known = await api.SignUp();
        var unknown = ApiCalls.UniqueEmail();

        var knownAnswers = new List<TimedAnswer>();
        var unknownAnswers = new List<TimedAnswer>();
        for (var i = 0; i < 6; i++)
        {
            knownAnswers.Add(await TimedLogin(known.Email));
            unknownAnswers.Add(await TimedLogin(unknown));
        }

        Assert.Equal(knownAnswers.Select(a => a.Response.StatusCode), unknownAnswers.Select(a => a.Response.StatusCode));
        Assert.Equal(HttpStatusCode.TooManyRequests, unknownAnswers[^1].Response.StatusCode);
        await AssertAlike([knownAnswers[^1].Response, unknownAnswers[^1].Response], HttpStatusCode.TooManyRequests, "too_many_attempts", ignoringDigits: true);

        // Each wait counts down from the failure that started it, and the two answers came at different moments
        // (seconds apart on a loaded machine), so equal Retry-After values are not the claim: the same lockout is.
        var knownLockout = await LockoutBehind(knownAnswers[^2], knownAnswers[^1]);
        var unknownLockout = await LockoutBehind(unknownAnswers[^2], unknownAnswers[^1]);
        Assert.True(
            knownLockout.From < unknownLockout.To && unknownLockout.From < knownLockout.To,
            $"a known email was locked out for {knownLockout} s, an unknown one for {unknownLockout} s");
    }

    private sealed record TimedAnswer(HttpResponseMessage Response, TimeSpan Sent, TimeSpan Received);

    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    private async Task<TimedAnswer> TimedLogin(string email)
    {
        var sent = _clock.Elapsed;
        var response = await api.Auth.Login(email, "wrong password");
        return new TimedAnswer(response, sent, _clock.Elapsed);
    }

    /// <summary>
    /// The lockout, in seconds, that a Retry-After on <paramref name="throttled"/> implies when it was set by
    /// <paramref name="locking"/>: the header rounds the remaining wait up to whole seconds, and the wait had been
    /// running for between the gap of the two answers and the span of the two requests.
    /// </summary>
    private static async Task<(double From, double To)> LockoutBehind(TimedAnswer locking, TimedAnswer throttled)
    {
        var delta = throttled.Response.Headers.RetryAfter?.Delta;
        Assert.NotNull(delta);
        var seconds = (int)delta.Value.TotalSeconds;
        var detail = await throttled.Response.Content.ReadAsStringAsync();
        Assert.Contains($"retry in {seconds} s", detail, StringComparison.Ordinal);
        return (seconds - 1 + (throttled.Sent - locking.Received).TotalSeconds, seconds + (throttled.Received - locking.Sent).TotalSeconds);
    }

    [Fact]
    public async Task Registration_tells_a_taken_email_with_409_as_the_spec_requires_and_nothing_more()
    {
        var owner = await api.SignUp();

        var taken = await api.Users.Register(owner.Email.ToUpperInvariant(), "another password 1", "Someone Else");
        var free = await api.Users.Register(ApiCalls.UniqueEmail(), "another password 1", "Someone Else");

        var problem = await taken.AssertProblem(HttpStatusCode.Conflict, "email_taken");
        Assert.Equal(HttpStatusCode.Created, free.StatusCode);
        Assert.DoesNotContain(owner.UserId.ToString(), problem.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Null(taken.Headers.Location);
    }

    [Fact]
    public async Task A_user_gets_the_same_403_for_another_users_id_and_for_an_id_that_does_not_exist()
    {
        var mallory = await api.SignUp();
        var alice = await api.SignUp();
        var nobody = Guid.NewGuid();

        foreach (var (method, template, body) in new (HttpMethod, string, object?)[]
                 {
                     (HttpMethod.Get, "/user/{0}", null),
                     (HttpMethod.Put, "/user/update/{0}", new { name = "x" }),
                     (HttpMethod.Delete, "/user/{0}", null),
                 })
        {
            var existing = await api.Users.Send(method, string.Format(template, alice.UserId), body, mallory.AccessToken);
            var missing = await api.Users.Send(method, string.Format(template, nobody), body, mallory.AccessToken);

            await AssertAlike([existing, missing], HttpStatusCode.Forbidden, "forbidden");
        }
    }

    [Fact]
    public async Task Refresh_answers_alike_for_unknown_malformed_revoked_and_replayed_tokens()
    {
        var replayed = await api.SignUp();
        await api.Auth.Send(HttpMethod.Post, "/auth/refresh", new { refreshToken = replayed.RefreshToken });
        var revoked = await api.SignUp();
        await api.Auth.Send(HttpMethod.Post, "/auth/logout", token: revoked.AccessToken);
        var other = await api.SignUp();
        var (_, otherSession) = TokenForge.Ids(other.AccessToken);

        var answers = new[]
        {
            await api.Auth.Send(HttpMethod.Post, "/auth/refresh", new { refreshToken = "not-a-refresh-token" }),
            await api.Auth.Send(HttpMethod.Post, "/auth/refresh", new { refreshToken = $"{Guid.NewGuid():N}.{new string('A', 43)}" }),
            // A live session id with a guessed secret.
            await api.Auth.Send(HttpMethod.Post, "/auth/refresh", new { refreshToken = $"{otherSession:N}.{new string('A', 43)}" }),
            await api.Auth.Send(HttpMethod.Post, "/auth/refresh", new { refreshToken = revoked.RefreshToken }),
            await api.Auth.Send(HttpMethod.Post, "/auth/refresh", new { refreshToken = replayed.RefreshToken }),
        };

        await AssertAlike(answers, HttpStatusCode.Unauthorized, "invalid_refresh_token");
        Assert.Equal(HttpStatusCode.OK, (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: other.AccessToken)).StatusCode);
    }

    /// <summary>Same status, same body but for the trace id, and no header that one has and another lacks.</summary>
    private static async Task AssertAlike(IReadOnlyList<HttpResponseMessage> answers, HttpStatusCode status, string code, bool ignoringDigits = false)
    {
        var bodies = new List<string>();
        foreach (var answer in answers)
        {
            var problem = await answer.AssertProblem(status, code);
            var body = JsonSerializer.Serialize(problem.EnumerateObject().Where(p => p.Name != "traceId").ToDictionary(p => p.Name, p => p.Value));
            // A wait in the text may differ by when each answer was given; LockoutBehind compares those.
            bodies.Add(ignoringDigits ? System.Text.RegularExpressions.Regex.Replace(body, "[0-9]+ s", "N s") : body);
        }

        Assert.Single(bodies.Distinct());
        var headerNames = answers.Select(a => string.Join(",", a.Headers.Select(h => h.Key).Where(h => h != "Date").Order())).Distinct();
        Assert.Single(headerNames);
    }
}
