using System.Net;
using System.Text.Json;

namespace Tests.Http;

/// <summary>The calls and checks the functional tests build on TestSupport's <see cref="ApiCalls"/>: a signed-in user on a test cluster, a problem answer.</summary>
public static class SessionCalls
{
    /// <summary>Registers a user and logs in: the user's id and tokens.</summary>
    public static async Task<Session> SignUp(this FrontEndsFixture api, string password = "correct horse battery")
    {
        var email = ApiCalls.UniqueEmail();
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
