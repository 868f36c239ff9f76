using System.Net;
using Tests.Http;
using Tests.Infrastructure;
using TestSupport.OpenApi;

namespace Tests.Security;

/// <summary>
/// The per-client limit (CLIENT_RATE_LIMIT) counts what a credential stuffer does — failed logins,
/// registrations, reset requests, failed introspection clients — not an office's successful logins.
/// </summary>
[Collection(FrontEnds.Name)]
public sealed class ClientFailureLimitTests(FrontEndsFixture api)
{
    private const int Limit = 5;

    [Fact]
    public async Task Many_successful_logins_from_one_address_pass_and_failed_ones_fill_the_limit()
    {
        var office = await api.StartAuthFrontEnd(("CLIENT_RATE_LIMIT", Limit.ToString()));
        var user = await api.SignUp();

        for (var i = 0; i < 4 * Limit; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await office.Login(user.Email, user.Password)).StatusCode);
        }

        for (var i = 0; i < Limit; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await office.Login(ApiCalls.UniqueEmail(), "a guessed password")).StatusCode);
        }

        var refused = await office.Login(user.Email, user.Password);
        await refused.AssertProblem(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.NotNull(refused.Headers.RetryAfter);
    }

    [Fact]
    public async Task A_burst_of_failing_logins_sent_at_once_gets_exactly_the_limit_checked()
    {
        var stuffer = await api.StartAuthFrontEnd(("CLIENT_RATE_LIMIT", Limit.ToString()));

        var answers = await Task.WhenAll(Enumerable.Range(0, 4 * Limit).Select(_ => stuffer.Login(ApiCalls.UniqueEmail(), "a guessed password")));

        var codes = await Task.WhenAll(answers.Select(async a => $"{(int)a.StatusCode} {(await a.Json()).GetProperty("code").GetString()}"));
        Assert.Equal(Limit, codes.Count(c => c == "401 invalid_credentials"));
        Assert.Equal(3 * Limit, codes.Count(c => c == "429 rate_limited"));
    }

    [Fact]
    public async Task Introspection_with_wrong_client_credentials_is_limited_and_with_the_right_ones_is_not()
    {
        var auth = await api.StartAuthFrontEnd(("CLIENT_RATE_LIMIT", Limit.ToString()));
        var user = await api.SignUp();

        for (var i = 0; i < 2 * Limit; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await auth.Introspect(user.AccessToken)).StatusCode);
        }

        for (var i = 0; i < Limit; i++)
        {
            await (await auth.Introspect(user.AccessToken, clientSecret: "a guessed secret")).AssertProblem(HttpStatusCode.Unauthorized, "invalid_client");
        }

        await (await auth.Introspect(user.AccessToken, clientSecret: "a guessed secret")).AssertProblem(HttpStatusCode.TooManyRequests, "rate_limited");
    }

    [Fact]
    public async Task Updates_are_limited_per_client()
    {
        var port = FreePort.Next();
        var frontEnd = await api.StartUserFrontEnd(new LogCapture(), ("USER_PORT", port.ToString()), ("CLIENT_RATE_LIMIT", "2"));
        try
        {
            using var users = ContractCheckingHandler.Client(port);
            var user = await api.SignUp();
            var statuses = new List<HttpStatusCode>();
            foreach (var name in new[] { "Ada", "Ada King", "Ada Lovelace" })
            {
                statuses.Add((await users.Send(HttpMethod.Put, $"/user/update/{user.UserId}", new { name }, user.AccessToken)).StatusCode);
            }

            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
            var stored = await (await api.Users.Send(HttpMethod.Get, $"/user/{user.UserId}", token: user.AccessToken)).Json();
            Assert.Equal("Ada King", stored.GetProperty("name").GetString());
        }
        finally
        {
            await frontEnd.StopAsync();
            await frontEnd.DisposeAsync();
        }
    }
}
