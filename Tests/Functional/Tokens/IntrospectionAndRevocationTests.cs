using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Tests.Http;
using Tests.Infrastructure;
using TestSupport.OpenApi;

namespace Tests.Tokens;

/// <summary>RFC 7662 introspection for authenticated clients only, and RFC 7009 revocation.</summary>
[Collection(FrontEnds.Name)]
public sealed class IntrospectionAndRevocationTests(FrontEndsFixture api)
{
    [Fact]
    public async Task Introspection_without_valid_client_credentials_is_401_and_says_nothing_about_the_token()
    {
        var user = await api.SignUp();
        var attempts = new Dictionary<string, AuthenticationHeaderValue?>
        {
            ["no credentials"] = null,
            ["wrong secret"] = ApiCalls.IntrospectionCredentials(clientSecret: ExternalServices.IntrospectionClientSecret + "x"),
            ["unknown client"] = ApiCalls.IntrospectionCredentials(clientId: "stranger"),
            ["the secret of a known client under another id"] = ApiCalls.IntrospectionCredentials(clientId: "stranger", clientSecret: ExternalServices.IntrospectionClientSecret),
            ["not base64"] = new("Basic", "%%%"),
            ["no colon"] = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(ExternalServices.IntrospectionClientId))),
            ["a user's bearer token"] = new("Bearer", user.AccessToken),
        };

        foreach (var (attempt, credentials) in attempts)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/auth/introspect")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = user.AccessToken }),
            };
            request.Headers.Authorization = credentials;

            var response = await api.Auth.SendAsync(request);

            var problem = await response.AssertProblem(HttpStatusCode.Unauthorized, "invalid_client");
            Assert.False(problem.TryGetProperty("active", out _), attempt);
            Assert.Equal("Basic", response.Headers.WwwAuthenticate.Single().Scheme);
        }
    }

    [Fact]
    public async Task Introspection_answers_rfc_7662_members_for_a_live_token_as_form_or_json()
    {
        var user = await api.SignUp();
        var (_, sessionId) = Security.TokenForge.Ids(user.AccessToken);

        var form = await (await api.Auth.Introspect(user.AccessToken)).Json();
        var json = new HttpRequestMessage(HttpMethod.Post, "/auth/introspect") { Content = System.Net.Http.Json.JsonContent.Create(new { token = user.AccessToken }) };
        json.Headers.Authorization = ApiCalls.IntrospectionCredentials();
        var fromJson = await (await api.Auth.SendAsync(json)).Json();

        foreach (var answer in new[] { form, fromJson })
        {
            Assert.True(answer.GetProperty("active").GetBoolean());
            Assert.Equal(user.UserId, answer.GetProperty("sub").GetGuid());
            Assert.Equal(sessionId, answer.GetProperty("sid").GetGuid());
            Assert.Equal("auth-service", answer.GetProperty("iss").GetString());
            Assert.Equal("auth-service", answer.GetProperty("aud").GetString());
            Assert.Equal("Bearer", answer.GetProperty("token_type").GetString());
            Assert.Equal(900, answer.GetProperty("exp").GetInt64() - answer.GetProperty("iat").GetInt64());
            Assert.Empty(answer.GetProperty("permissions").EnumerateArray());
        }
    }

    [Fact]
    public async Task Revoking_a_refresh_token_ends_its_session_on_both_front_ends()
    {
        var user = await api.SignUp();

        var response = await api.Auth.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/auth/revoke")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = user.RefreshToken, ["token_type_hint"] = "refresh_token" }),
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: user.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Users.Send(HttpMethod.Get, $"/user/{user.UserId}", token: user.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Auth.Send(HttpMethod.Post, "/auth/refresh", new { refreshToken = user.RefreshToken })).StatusCode);
    }

    [Fact]
    public async Task Revoking_an_access_token_ends_its_session()
    {
        var user = await api.SignUp();

        var response = await api.Auth.Send(HttpMethod.Post, "/auth/revoke", new { token = user.AccessToken });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Users.Send(HttpMethod.Get, $"/user/{user.UserId}", token: user.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Auth.Send(HttpMethod.Post, "/auth/refresh", new { refreshToken = user.RefreshToken })).StatusCode);
    }

    [Fact]
    public async Task Revoking_anything_else_answers_200_and_ends_no_session()
    {
        var user = await api.SignUp();
        var sessionId = user.RefreshToken[..32];
        var guesses = new[]
        {
            "not a token",
            // The right session id with another secret: knowing a session id must not be enough to end it.
            $"{sessionId}.{Convert.ToBase64String(new byte[32]).TrimEnd('=').Replace('+', '-').Replace('/', '_')}",
            // An access token for the session, signed with a key that is not ours.
            Security.TokenForge.Sign(WithOtherKey(Security.TokenForge.Genuine(user.UserId, Guid.Parse(sessionId)))),
            user.AccessToken[..^3] + "abc",
        };

        foreach (var guess in guesses)
        {
            Assert.Equal(HttpStatusCode.OK, (await api.Auth.Send(HttpMethod.Post, "/auth/revoke", new { token = guess })).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: user.AccessToken)).StatusCode);
    }

    [Fact]
    public async Task Revocation_without_a_token_or_with_two_is_400()
    {
        using var invalid = DeliberatelyInvalid.Requests();
        await (await api.Auth.Send(HttpMethod.Post, "/auth/revoke", new { })).AssertProblem(HttpStatusCode.BadRequest, "invalid_request");
        var two = new HttpRequestMessage(HttpMethod.Post, "/auth/revoke") { Content = new StringContent("token=a&token=b", Encoding.UTF8, "application/x-www-form-urlencoded") };
        await (await api.Auth.SendAsync(two)).AssertProblem(HttpStatusCode.BadRequest, "malformed_body");
        await (await api.Auth.SendRaw(HttpMethod.Post, "/auth/revoke", "token=a", "text/plain")).AssertProblem(HttpStatusCode.UnsupportedMediaType);
    }

    private static Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor WithOtherKey(Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor descriptor)
    {
        descriptor.SigningCredentials = new(
            new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(Encoding.UTF8.GetBytes("another-secret-that-is-long-enough-for-hs256-xyz")),
            Microsoft.IdentityModel.Tokens.SecurityAlgorithms.HmacSha256);
        return descriptor;
    }
}
