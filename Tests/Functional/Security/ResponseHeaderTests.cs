using System.Diagnostics;
using System.Net;
using Tests.Http;

namespace Tests.Security;

/// <summary>What the answers tell caches, browsers and stopwatches.</summary>
[Collection(FrontEnds.Name)]
public sealed class ResponseHeaderTests(FrontEndsFixture api)
{
    [Fact]
    public async Task Every_authenticated_answer_forbids_caching()
    {
        var user = await api.SignUp();

        var answers = new[]
        {
            await api.Auth.Send(HttpMethod.Get, "/auth/me", token: user.AccessToken),
            await api.Auth.Send(HttpMethod.Get, "/auth/sessions", token: user.AccessToken),
            await api.Users.Send(HttpMethod.Get, $"/user/{user.UserId}", token: user.AccessToken),
            await api.Users.Send(HttpMethod.Get, $"/user/{Guid.NewGuid()}", token: user.AccessToken),
            await api.Users.Send(HttpMethod.Put, $"/user/update/{user.UserId}", new { name = "Grace" }, user.AccessToken),
        };

        Assert.All(answers, a => Assert.True(a.Headers.CacheControl?.NoStore, $"{a.RequestMessage!.RequestUri} {a.StatusCode}: {a.Headers.CacheControl}"));
    }

    [Fact]
    public async Task The_html_pages_refuse_to_be_framed()
    {
        var page = await api.Auth.GetAsync("/scalar/v1");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("frame-ancestors 'none'", page.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task A_failed_login_takes_at_least_the_fixed_minimum_whatever_failed()
    {
        var known = await api.SignUp();
        var minimum = TimeSpan.FromMilliseconds(400);

        foreach (var email in new[] { known.Email, ApiCalls.UniqueEmail() })
        {
            var clock = Stopwatch.StartNew();
            var answer = await api.Auth.Login(email, "not the password");
            clock.Stop();

            // A floor the server holds, not a speed: however fast the hash, the answer waits.
            Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
            Assert.True(clock.Elapsed >= minimum, $"a failed login for {(email == known.Email ? "a known" : "an unknown")} address answered in {clock.Elapsed.TotalMilliseconds} ms");
        }
    }
}
