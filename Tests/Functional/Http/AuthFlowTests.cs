using System.Net;

namespace Tests.Http;

[Collection(FrontEnds.Name)]
public sealed class AuthFlowTests(FrontEndsFixture api)
{
    [Fact]
    public async Task The_whole_flow_works_across_both_front_ends()
    {
        var email = ApiCalls.UniqueEmail();

        var created = await api.Users.Register(email.ToUpperInvariant(), "correct horse battery", "Ada");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var user = await created.Json();
        var id = user.GetProperty("id").GetGuid();
        Assert.Equal($"/user/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal("\"1\"", created.Headers.ETag?.Tag);
        Assert.Equal(email, user.GetProperty("email").GetString());
        Assert.False(user.TryGetProperty("passwordHash", out _));

        var login = await api.Auth.Login(email, "correct horse battery");
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.True(login.Headers.CacheControl?.NoStore);
        var tokens = await login.Json();
        Assert.Equal("Bearer", tokens.GetProperty("tokenType").GetString());
        Assert.Equal(900, tokens.GetProperty("expiresIn").GetInt32());
        var access = tokens.GetProperty("accessToken").GetString();

        var me = await api.Auth.Send(HttpMethod.Get, "/auth/me", token: access);
        Assert.Equal(id, (await me.Json()).GetProperty("id").GetGuid());
        var read = await api.Users.Send(HttpMethod.Get, $"/user/{id}", token: access);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);

        var updated = await api.Users.Send(HttpMethod.Put, $"/user/update/{id}", new { name = "Ada King" }, access, ifMatch: "\"1\"");
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal("Ada King", (await updated.Json()).GetProperty("name").GetString());
        Assert.Equal("\"2\"", updated.Headers.ETag?.Tag);

        var logout = await api.Auth.Send(HttpMethod.Post, "/auth/logout", token: access);
        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);

        await (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: access)).AssertProblem(HttpStatusCode.Unauthorized, "unauthenticated");
        await (await api.Users.Send(HttpMethod.Get, $"/user/{id}", token: access)).AssertProblem(HttpStatusCode.Unauthorized, "unauthenticated");
        var refresh = await api.Auth.Send(HttpMethod.Post, "/auth/refresh", new { refreshToken = tokens.GetProperty("refreshToken").GetString() });
        await refresh.AssertProblem(HttpStatusCode.Unauthorized, "invalid_refresh_token");
    }

    [Fact]
    public async Task Refresh_returns_a_new_pair_and_the_used_token_is_dead()
    {
        var session = await api.SignUp();

        var first = await api.Auth.Send(HttpMethod.Post, "/auth/refresh", new { refreshToken = session.RefreshToken });
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.True(first.Headers.CacheControl?.NoStore);
        var pair = await first.Json();
        var newRefresh = pair.GetProperty("refreshToken").GetString();
        var newAccess = pair.GetProperty("accessToken").GetString();
        Assert.NotEqual(session.RefreshToken, newRefresh);
        Assert.Equal(HttpStatusCode.OK, (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: newAccess)).StatusCode);

        var replay = await api.Auth.Send(HttpMethod.Post, "/auth/refresh", new { refreshToken = session.RefreshToken });
        await replay.AssertProblem(HttpStatusCode.Unauthorized, "invalid_refresh_token");

        // Reuse detection: the whole session is gone, including the pair issued after the stolen token.
        await (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: newAccess)).AssertProblem(HttpStatusCode.Unauthorized);
        await (await api.Auth.Send(HttpMethod.Post, "/auth/refresh", new { refreshToken = newRefresh })).AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Wrong_password_and_unknown_email_get_the_same_answer()
    {
        var session = await api.SignUp();

        var wrongPassword = await api.Auth.Login(session.Email, "not the password");
        var unknownEmail = await api.Auth.Login(ApiCalls.UniqueEmail(), "not the password");

        var a = await wrongPassword.AssertProblem(HttpStatusCode.Unauthorized, "invalid_credentials");
        var b = await unknownEmail.AssertProblem(HttpStatusCode.Unauthorized, "invalid_credentials");
        Assert.Equal(Without(a, "traceId"), Without(b, "traceId"));
    }

    [Fact]
    public async Task Repeated_wrong_passwords_are_throttled_with_retry_after()
    {
        var session = await api.SignUp();

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++)
        {
            answers.Add(await api.Auth.Login(session.Email, "wrong password"));
        }

        Assert.All(answers.Take(5), r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        await answers[5].AssertProblem(HttpStatusCode.TooManyRequests, "too_many_attempts");
        Assert.True(answers[5].Headers.RetryAfter?.Delta > TimeSpan.Zero);
        // Even the right password waits until the back-off ends.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await api.Auth.Login(session.Email, session.Password)).StatusCode);
    }

    [Fact]
    public async Task A_logged_out_token_is_rejected_by_the_other_front_end_at_once()
    {
        var session = await api.SignUp();
        // The user front end has checked this session once and keeps the answer: only the announcement can drop it.
        Assert.Equal(HttpStatusCode.OK, (await api.Users.Send(HttpMethod.Get, $"/user/{session.UserId}", token: session.AccessToken)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await api.Auth.Send(HttpMethod.Post, "/auth/logout", token: session.AccessToken)).StatusCode);

        await (await api.Users.Send(HttpMethod.Get, $"/user/{session.UserId}", token: session.AccessToken))
            .AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-a-jwt")]
    [InlineData("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIn0.")]
    public async Task Requests_without_a_valid_token_get_401_problem_details(string? token)
    {
        var me = await api.Auth.Send(HttpMethod.Get, "/auth/me", token: token);
        var logout = await api.Auth.Send(HttpMethod.Post, "/auth/logout", token: token);

        await me.AssertProblem(HttpStatusCode.Unauthorized, "unauthenticated");
        await logout.AssertProblem(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task A_tampered_token_is_rejected()
    {
        var session = await api.SignUp();
        var parts = session.AccessToken.Split('.');
        var payload = System.Text.Encoding.UTF8.GetString(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(parts[1]))
            .Replace(session.UserId.ToString(), Guid.NewGuid().ToString());
        var forged = $"{parts[0]}.{Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(payload)}.{parts[2]}";

        await (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: forged)).AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"email\":\"a@b.co\"}")]
    [InlineData("{\"password\":\"something long\"}")]
    [InlineData("{\"email\":null,\"password\":null}")]
    public async Task Login_with_missing_fields_is_400(string body)
    {
        var response = await api.Auth.SendInvalid(HttpMethod.Post, "/auth/login", body);

        var problem = await response.AssertProblem(HttpStatusCode.BadRequest);
        Assert.True(problem.TryGetProperty("errors", out _));
    }

    [Theory]
    [InlineData("{\"email\":")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"email\":\"a@b.co\",\"password\":\"x\",\"extra\":1}")]
    [InlineData("")]
    public async Task Login_with_a_malformed_body_is_400(string body)
    {
        await (await api.Auth.SendInvalid(HttpMethod.Post, "/auth/login", body)).AssertProblem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Login_with_a_non_json_content_type_is_415()
    {
        await (await api.Auth.SendInvalid(HttpMethod.Post, "/auth/login", "email=a", "application/x-www-form-urlencoded"))
            .AssertProblem(HttpStatusCode.UnsupportedMediaType);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"refreshToken\":\"\"}")]
    public async Task Refresh_without_a_token_is_400(string body)
    {
        await (await api.Auth.SendInvalid(HttpMethod.Post, "/auth/refresh", body)).AssertProblem(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("00000000000000000000000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task Refresh_with_an_unknown_token_is_401(string token)
    {
        await (await api.Auth.Send(HttpMethod.Post, "/auth/refresh", new { refreshToken = token }))
            .AssertProblem(HttpStatusCode.Unauthorized, "invalid_refresh_token");
    }

    private static string Without(System.Text.Json.JsonElement problem, string member) =>
        System.Text.Json.JsonSerializer.Serialize(problem.EnumerateObject().Where(p => p.Name != member).ToDictionary(p => p.Name, p => p.Value));
}
