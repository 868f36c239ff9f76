using System.Net;
using Tests.Infrastructure;
using TestSupport.OpenApi;

namespace Tests.Http;

/// <summary>Every bad input named in docs/contract.md, Auth API and User API gets a 4xx problem and stores nothing.</summary>
[Collection(FrontEnds.Name)]
public sealed class BadInputTests(FrontEndsFixture api)
{
    private const string Valid = "correct horse battery";

    public static TheoryData<string, string> InvalidRegistrations => new()
    {
        { "email syntax", """{"name":"Ada","email":"not-an-email","password":"correct horse battery"}""" },
        { "email with space", """{"name":"Ada","email":"a da@example.com","password":"correct horse battery"}""" },
        // A zero-width space or a byte-order mark would make a look-alike of another address.
        { "invisible character in email", """{"name":"Ada","email":"ad\u200Bmin@example.com","password":"correct horse battery"}""" },
        { "byte-order mark in email", """{"name":"Ada","email":"\uFEFF{email}","password":"correct horse battery"}""" },
        { "missing email", """{"name":"Ada","password":"correct horse battery"}""" },
        { "empty name", """{"name":"","email":"{email}","password":"correct horse battery"}""" },
        { "blank name", """{"name":"   ","email":"{email}","password":"correct horse battery"}""" },
        { "101-char name", $$"""{"name":"{{new string('n', 101)}}","email":"{email}","password":"correct horse battery"}""" },
        { "control char in name", """{"name":"Ada\u0000","email":"{email}","password":"correct horse battery"}""" },
        { "7-char password", """{"name":"Ada","email":"{email}","password":"1234567"}""" },
        { "129-char password", $$"""{"name":"Ada","email":"{email}","password":"{{new string('p', 129)}}"}""" },
        { "missing password", """{"name":"Ada","email":"{email}"}""" },
        { "unknown field", """{"name":"Ada","email":"{email}","password":"correct horse battery","isAdmin":true}""" },
        { "id in body", """{"id":"00000000-0000-0000-0000-000000000001","name":"Ada","email":"{email}","password":"correct horse battery"}""" },
        { "bad permission", """{"name":"Ada","email":"{email}","password":"correct horse battery","permissions":["ADMIN!"]}""" },
        { "number for name", """{"name":42,"email":"{email}","password":"correct horse battery"}""" },
        { "truncated JSON", """{"name":"Ada","email":"{email}","password":""" },
        { "not an object", """["{email}"]""" },
        { "empty body", "" },
    };

    [Theory]
    [MemberData(nameof(InvalidRegistrations))]
    public async Task An_invalid_registration_is_400_and_stores_nothing(string why, string template)
    {
        var email = ApiCalls.UniqueEmail();
        // Tests of this collection run one at a time, so the stored count moves only by what this one does.
        var storedBefore = await StoredUsers.Count(api.ServiceId);

        var response = await api.Users.SendInvalid(HttpMethod.Post, "/user/create", template.Replace("{email}", email));

        var problem = await response.AssertProblem(HttpStatusCode.BadRequest);
        Assert.True(problem.TryGetProperty("code", out _) || problem.TryGetProperty("errors", out _), why);
        Assert.Equal(storedBefore, await StoredUsers.Count(api.ServiceId));
        if (template.Contains("{email}", StringComparison.Ordinal))
        {
            // The address the refused body named was not claimed either.
            Assert.Equal(HttpStatusCode.Created, (await api.Users.Register(email, Valid)).StatusCode);
        }
    }

    [Fact]
    public async Task A_registration_that_is_not_json_is_415()
    {
        await (await api.Users.SendInvalid(HttpMethod.Post, "/user/create", "name=Ada", "text/plain")).AssertProblem(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task An_oversized_body_is_413()
    {
        var huge = $$"""{"name":"Ada","email":"a@b.co","password":"{{new string('p', 100_000)}}"}""";

        await (await api.Users.SendInvalid(HttpMethod.Post, "/user/create", huge)).AssertProblem(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Deeply_nested_json_is_400()
    {
        var nested = $$"""{"name":"Ada","email":"a@b.co","password":"correct horse battery","permissions":{{new string('[', 64)}}{{new string(']', 64)}}}""";

        await (await api.Users.SendInvalid(HttpMethod.Post, "/user/create", nested)).AssertProblem(HttpStatusCode.BadRequest);
    }

    public static TheoryData<string, string> InvalidUpdates => new()
    {
        { "nothing to change", "{}" },
        { "empty name", """{"name":""}""" },
        { "bad email", """{"email":"nope"}""" },
        { "short password", """{"password":"short","currentPassword":"correct horse battery"}""" },
        { "unknown field", """{"name":"Ada","version":99}""" },
        { "forged id", """{"id":"00000000-0000-0000-0000-000000000001","name":"Ada"}""" },
        { "malformed", """{"name":""" },
    };

    [Theory]
    [MemberData(nameof(InvalidUpdates))]
    public async Task An_invalid_update_is_400_and_changes_nothing(string why, string body)
    {
        var user = await api.SignUp();

        var response = await api.Users.SendInvalid(HttpMethod.Put, $"/user/update/{user.UserId}", body, token: user.AccessToken);

        await response.AssertProblem(HttpStatusCode.BadRequest);
        var after = await api.Users.Send(HttpMethod.Get, $"/user/{user.UserId}", token: user.AccessToken);
        Assert.True(after.Headers.ETag?.Tag == "\"1\"", why);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("W/\"1\"")]
    [InlineData("\"one\"")]
    public async Task A_malformed_if_match_is_400(string ifMatch)
    {
        var user = await api.SignUp();

        var response = await api.Users.Send(HttpMethod.Put, $"/user/update/{user.UserId}", new { name = "x" }, user.AccessToken, ifMatch);

        await response.AssertProblem(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("/user/not-a-guid")]
    [InlineData("/user/update/123")]
    [InlineData("/user/1%27%20OR%201=1")]
    public async Task An_id_that_is_not_a_uuid_is_404_problem(string path)
    {
        var user = await api.SignUp();

        using var invalid = DeliberatelyInvalid.Requests();
        var response = await api.Users.Send(path.Contains("update") ? HttpMethod.Put : HttpMethod.Get, path, new { name = "x" }, user.AccessToken);

        await response.AssertProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Each_front_end_serves_only_its_own_routes()
    {
        // Each port's document names only its own routes: these go where they are not served, on purpose.
        using var misdirected = DeliberatelyInvalid.Requests();
        await (await api.Auth.Register(ApiCalls.UniqueEmail())).AssertProblem(HttpStatusCode.NotFound);
        await (await api.Users.Login("a@b.co", "whatever password")).AssertProblem(HttpStatusCode.NotFound);
    }
}
