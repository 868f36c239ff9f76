using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Tests.Infrastructure;

namespace Tests.Http;

/// <summary>The HTTP calls the tests make, as a client of the two APIs would make them.</summary>
public static class ApiCalls
{
    public static string UniqueEmail() => $"user-{Guid.NewGuid():N}@example.com";

    public static Task<HttpResponseMessage> Login(this HttpClient auth, string email, string password) =>
        auth.Send(HttpMethod.Post, "/auth/login", new { email, password });

    public static Task<HttpResponseMessage> Register(this HttpClient users, string email, string password = "correct horse battery", string name = "Ada Lovelace") =>
        users.Send(HttpMethod.Post, "/user/create", new { name, email, password });

    /// <summary>Registers a user and logs in: the user's id and tokens.</summary>
    public static async Task<Session> SignUp(this FrontEndsFixture api, string password = "correct horse battery")
    {
        var email = UniqueEmail();
        var created = await api.Users.Register(email, password);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Json()).GetProperty("id").GetGuid();
        return await api.SignIn(id, email, password);
    }

    public static async Task<Session> SignIn(this FrontEndsFixture api, Guid id, string email, string password)
    {
        var login = await api.Auth.Login(email, password);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var tokens = await login.Json();
        return new Session(id, email, password, tokens.GetProperty("accessToken").GetString()!, tokens.GetProperty("refreshToken").GetString()!);
    }

    public static async Task<Session> SignInAsAdmin(this FrontEndsFixture api)
    {
        var login = await api.Auth.Login(FrontEndsFixture.AdminEmail, FrontEndsFixture.AdminPassword);
        var tokens = await login.Json();
        var me = await (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: tokens.GetProperty("accessToken").GetString())).Json();
        return new Session(
            me.GetProperty("id").GetGuid(),
            FrontEndsFixture.AdminEmail,
            FrontEndsFixture.AdminPassword,
            tokens.GetProperty("accessToken").GetString()!,
            tokens.GetProperty("refreshToken").GetString()!);
    }

    /// <summary>RFC 7662 introspection as another service makes it: HTTP Basic client credentials, the token as a form field.</summary>
    public static Task<HttpResponseMessage> Introspect(
        this HttpClient auth,
        string token,
        string clientId = ExternalServices.IntrospectionClientId,
        string clientSecret = ExternalServices.IntrospectionClientSecret)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/auth/introspect")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }),
        };
        request.Headers.Authorization = IntrospectionCredentials(clientId, clientSecret);
        return auth.SendAsync(request);
    }

    public static AuthenticationHeaderValue IntrospectionCredentials(
        string clientId = ExternalServices.IntrospectionClientId, string clientSecret = ExternalServices.IntrospectionClientSecret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(clientSecret)}")));

    public static Task<HttpResponseMessage> Send(
        this HttpClient client, HttpMethod method, string path, object? body = null, string? token = null, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> SendRaw(this HttpClient client, HttpMethod method, string path, string body, string contentType = "application/json", string? token = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {token}");
        }

        return client.SendAsync(request);
    }

    public static async Task<JsonElement> Json(this HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    /// <summary>Asserts an RFC 9457 problem answer with the given status and stable code.</summary>
    public static async Task<JsonElement> AssertProblem(this HttpResponseMessage response, HttpStatusCode status, string? code = null)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Json();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        if (code is not null)
        {
            Assert.Equal(code, problem.GetProperty("code").GetString());
        }

        Assert.DoesNotContain("   at ", problem.ToString());
        return problem;
    }
}

public sealed record Session(Guid UserId, string Email, string Password, string AccessToken, string RefreshToken);
