using System.Net;
using Tests.Http;

namespace Tests.Security;

/// <summary>
/// Object- and function-level authorization (docs/contract.md, User API), beyond what UserApiTests and
/// SessionRoutesTests already show: every {id} route, every field of an update, and tokens that
/// claim more than their holder has.
/// </summary>
[Collection(FrontEnds.Name)]
public sealed class AuthorizationTests(FrontEndsFixture api)
{
    [Fact]
    public async Task Every_id_route_refuses_another_users_id_and_changes_nothing()
    {
        var mallory = await api.SignUp();
        var alice = await api.SignUp();
        var (_, aliceSession) = TokenForge.Ids(alice.AccessToken);

        var answers = new (string Route, HttpResponseMessage Response, HttpStatusCode Expected)[]
        {
            ("GET /user/{id}", await api.Users.Send(HttpMethod.Get, $"/user/{alice.UserId}", token: mallory.AccessToken), HttpStatusCode.Forbidden),
            ("PUT name", await api.Users.Send(HttpMethod.Put, $"/user/update/{alice.UserId}", new { name = "pwned" }, mallory.AccessToken), HttpStatusCode.Forbidden),
            ("PUT email", await api.Users.Send(HttpMethod.Put, $"/user/update/{alice.UserId}", new { email = ApiCalls.UniqueEmail() }, mallory.AccessToken), HttpStatusCode.Forbidden),
            ("PUT password", await api.Users.Send(HttpMethod.Put, $"/user/update/{alice.UserId}", new { password = "taken over 123", currentPassword = mallory.Password }, mallory.AccessToken), HttpStatusCode.Forbidden),
            ("PUT permissions", await api.Users.Send(HttpMethod.Put, $"/user/update/{alice.UserId}", new { permissions = new[] { "admin" } }, mallory.AccessToken), HttpStatusCode.Forbidden),
            ("PUT with If-Match", await api.Users.Send(HttpMethod.Put, $"/user/update/{alice.UserId}", new { name = "pwned" }, mallory.AccessToken, ifMatch: "\"1\""), HttpStatusCode.Forbidden),
            ("DELETE /user/{id}", await api.Users.Send(HttpMethod.Delete, $"/user/{alice.UserId}", token: mallory.AccessToken), HttpStatusCode.Forbidden),
            // Other users' sessions are invisible, by design: 404, as for a session that does not exist.
            ("DELETE /auth/sessions/{id}", await api.Auth.Send(HttpMethod.Delete, $"/auth/sessions/{aliceSession}", token: mallory.AccessToken), HttpStatusCode.NotFound),
        };

        foreach (var (route, response, expected) in answers)
        {
            var problem = await response.AssertProblem(expected);
            Assert.False(problem.ToString().Contains(alice.Email, StringComparison.OrdinalIgnoreCase), $"{route} leaked the victim's email");
        }

        var me = await api.Users.Send(HttpMethod.Get, $"/user/{alice.UserId}", token: alice.AccessToken);
        Assert.Equal("\"1\"", me.Headers.ETag?.Tag);
        Assert.Equal(alice.Email, (await me.Json()).GetProperty("email").GetString());
        Assert.Equal(HttpStatusCode.OK, (await api.Auth.Login(alice.Email, alice.Password)).StatusCode);
    }

    public static TheoryData<string, string, HttpStatusCode> EscalatingUpdates => new()
    {
        { "permissions beside a harmless change", """{"name":"Still Me","permissions":["admin"]}""", HttpStatusCode.Forbidden },
        { "permissions in another case", """{"PERMISSIONS":["admin"]}""", HttpStatusCode.Forbidden },
        { "permissions with an escaped name", """{"\u0070ermissions":["admin"]}""", HttpStatusCode.Forbidden },
        { "an empty permission list", """{"permissions":[]}""", HttpStatusCode.Forbidden },
        { "a permission that is not admin", """{"permissions":["reports:read"]}""", HttpStatusCode.Forbidden },
        { "isAdmin", """{"name":"x","isAdmin":true}""", HttpStatusCode.BadRequest },
        { "roles", """{"name":"x","roles":["admin"]}""", HttpStatusCode.BadRequest },
        { "a singular permission", """{"name":"x","permission":"admin"}""", HttpStatusCode.BadRequest },
        { "a password hash", """{"passwordHash":"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"}""", HttpStatusCode.BadRequest },
        { "an id of another user", """{"id":"00000000-0000-0000-0000-000000000001","name":"x"}""", HttpStatusCode.BadRequest },
        { "createdAt", """{"name":"x","createdAt":"2000-01-01T00:00:00Z"}""", HttpStatusCode.BadRequest },
        { "deactivatedAt", """{"name":"x","deactivatedAt":null}""", HttpStatusCode.BadRequest },
        { "permissions nested in another object", """{"name":"x","data":{"permissions":["admin"]}}""", HttpStatusCode.BadRequest },
        { "permissions as a string", """{"permissions":"admin"}""", HttpStatusCode.BadRequest },
        { "a prototype key", """{"name":"x","__proto__":{"permissions":["admin"]}}""", HttpStatusCode.BadRequest },
    };

    [Theory]
    [MemberData(nameof(EscalatingUpdates))]
    public async Task A_user_cannot_escalate_through_an_update(string attempt, string body, HttpStatusCode expected)
    {
        var user = await api.SignUp();

        var response = await api.Users.SendInvalid(HttpMethod.Put, $"/user/update/{user.UserId}", body, token: user.AccessToken);

        await response.AssertProblem(expected);
        var me = await api.Users.Send(HttpMethod.Get, $"/user/{user.UserId}", token: user.AccessToken);
        var json = await me.Json();
        Assert.True(me.Headers.ETag?.Tag == "\"1\"", $"{attempt} changed the user");
        Assert.Empty(json.GetProperty("permissions").EnumerateArray());
        Assert.Equal("Ada Lovelace", json.GetProperty("name").GetString());
    }

    public static TheoryData<string, string, HttpStatusCode> EscalatingRegistrations => new()
    {
        { "permissions in another case", """{"name":"M","email":"{email}","password":"correct horse battery","Permissions":["admin"]}""", HttpStatusCode.Forbidden },
        { "an empty permission list", """{"name":"M","email":"{email}","password":"correct horse battery","permissions":[]}""", HttpStatusCode.Forbidden },
        { "a password hash", """{"name":"M","email":"{email}","passwordHash":"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"}""", HttpStatusCode.BadRequest },
        { "a version", """{"name":"M","email":"{email}","password":"correct horse battery","version":99}""", HttpStatusCode.BadRequest },
        { "roles", """{"name":"M","email":"{email}","password":"correct horse battery","roles":["admin"]}""", HttpStatusCode.BadRequest },
    };

    [Theory]
    [MemberData(nameof(EscalatingRegistrations))]
    public async Task Registration_cannot_smuggle_privileges_and_stores_nothing(string attempt, string template, HttpStatusCode expected)
    {
        var email = ApiCalls.UniqueEmail();

        var response = await api.Users.SendInvalid(HttpMethod.Post, "/user/create", template.Replace("{email}", email));

        await response.AssertProblem(expected);
        Assert.True((await api.Users.Register(email)).StatusCode == HttpStatusCode.Created, $"{attempt} stored a user");
    }

    [Fact]
    public async Task A_validly_signed_token_claiming_admin_does_not_make_its_holder_an_admin()
    {
        var mallory = await api.SignUp();
        var alice = await api.SignUp();
        var (user, sid) = TokenForge.Ids(mallory.AccessToken);

        // The real key, the live session: only the permissions claim lies. Rights are read live from the user.
        var claimsAdmin = TokenForge.Sign(TokenForge.Genuine(user, sid, "admin"));

        await (await api.Users.Send(HttpMethod.Get, "/user", token: claimsAdmin)).AssertProblem(HttpStatusCode.Forbidden);
        await (await api.Users.Send(HttpMethod.Get, $"/user/{alice.UserId}", token: claimsAdmin)).AssertProblem(HttpStatusCode.Forbidden);
        await (await api.Users.Send(HttpMethod.Put, $"/user/update/{user}", new { permissions = new[] { "admin" } }, claimsAdmin)).AssertProblem(HttpStatusCode.Forbidden);
        await (await api.Users.Send(HttpMethod.Post, "/user/create", new { name = "Minion", email = ApiCalls.UniqueEmail(), password = "correct horse battery", permissions = new[] { "admin" } }, claimsAdmin))
            .AssertProblem(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task An_admin_demoted_mid_session_loses_every_admin_route_on_the_next_request()
    {
        var root = await api.SignInAsAdmin();
        var email = ApiCalls.UniqueEmail();
        var created = await api.Users.Send(HttpMethod.Post, "/user/create", new { name = "Deputy", email, password = "correct horse battery", permissions = new[] { "admin" } }, root.AccessToken);
        var deputy = await api.SignIn((await created.Json()).GetProperty("id").GetGuid(), email, "correct horse battery");
        var other = await api.SignUp();
        Assert.Equal(HttpStatusCode.OK, (await api.Users.Send(HttpMethod.Get, "/user", token: deputy.AccessToken)).StatusCode);

        var demoted = await api.Users.Send(HttpMethod.Put, $"/user/update/{deputy.UserId}", new { permissions = Array.Empty<string>() }, root.AccessToken);

        Assert.Equal(HttpStatusCode.OK, demoted.StatusCode);
        await (await api.Users.Send(HttpMethod.Get, "/user", token: deputy.AccessToken)).AssertProblem(HttpStatusCode.Forbidden);
        await (await api.Users.Send(HttpMethod.Get, $"/user/{other.UserId}", token: deputy.AccessToken)).AssertProblem(HttpStatusCode.Forbidden);
        await (await api.Users.Send(HttpMethod.Delete, $"/user/{other.UserId}", token: deputy.AccessToken)).AssertProblem(HttpStatusCode.Forbidden);
        await (await api.Users.Send(HttpMethod.Post, "/user/create", new { name = "Minion", email = ApiCalls.UniqueEmail(), password = "correct horse battery", permissions = new[] { "admin" } }, deputy.AccessToken))
            .AssertProblem(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_admin_list_refuses_a_user_token_whatever_the_query()
    {
        var user = await api.SignUp();

        foreach (var query in new[] { "", "?page=1", "?pageSize=100", $"?email={Uri.EscapeDataString(user.Email)}", $"?email={Uri.EscapeDataString(FrontEndsFixture.AdminEmail)}" })
        {
            await (await api.Users.Send(HttpMethod.Get, $"/user{query}", token: user.AccessToken)).AssertProblem(HttpStatusCode.Forbidden, "forbidden");
        }
    }
}
