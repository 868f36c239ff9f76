using System.Security.Claims;
using Api.Http;
using Api.Security;
using Api.Users;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Api.Auth;

/// <summary>The Auth API (SPEC §4), port 3001.</summary>
public static class AuthApi
{
    public static RouteGroupBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/auth").WithTags("Auth");

        api.MapPost("/login", Login)
            .WithName("Login")
            .WithSummary("Exchange email and password for an access token and a refresh token");
        api.MapPost("/refresh", Refresh)
            .WithName("Refresh")
            .WithSummary("Rotate a refresh token into a new token pair; a reused refresh token revokes its session");
        api.MapPost("/logout", Logout)
            .RequireAuthorization()
            .WithName("Logout")
            .WithSummary("Revoke the caller's session: its access and refresh tokens stop working at once");
        api.MapGet("/me", Me)
            .RequireAuthorization()
            .WithName("Me")
            .WithSummary("The calling user");

        return api;
    }

    private static async Task<Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult>> Login(
        LoginRequest body, AuthService auth, HttpContext http)
    {
        var errors = new RequestErrors();
        if (string.IsNullOrWhiteSpace(body.Email) || body.Email.Length > FieldRules.MaxEmailLength)
        {
            errors.Add("email", $"is required, at most {FieldRules.MaxEmailLength} characters");
        }

        if (string.IsNullOrEmpty(body.Password) || body.Password.Length > FieldRules.MaxPasswordLength)
        {
            errors.Add("password", $"is required, at most {FieldRules.MaxPasswordLength} characters");
        }

        if (errors.Any)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }

        var outcome = await auth.Login(
            body.Email!,
            body.Password!,
            http.Request.Headers.UserAgent.ToString(),
            http.Connection.RemoteIpAddress?.ToString());
        return outcome.Status switch
        {
            LoginStatus.Succeeded => NoStore(http, outcome.Tokens!),
            LoginStatus.Throttled => ApiProblems.Throttled(http, outcome.RetryAfter),
            _ => ApiProblems.InvalidCredentials(),
        };
    }

    private static async Task<Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult>> Refresh(
        RefreshRequest body, AuthService auth, HttpContext http)
    {
        if (string.IsNullOrEmpty(body.RefreshToken))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["refreshToken"] = ["is required"] });
        }

        var tokens = await auth.Refresh(body.RefreshToken);
        return tokens is null ? ApiProblems.InvalidRefreshToken() : NoStore(http, tokens);
    }

    private static async Task<NoContent> Logout(ClaimsPrincipal user, AuthService auth)
    {
        await auth.Logout(Caller.From(user));
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> Me(ClaimsPrincipal user, AuthService auth)
    {
        var me = await auth.Me(Caller.From(user));
        return me is null ? ApiProblems.Unauthenticated() : TypedResults.Ok(UserResponse.From(me));
    }

    private static Ok<TokenResponse> NoStore(HttpContext http, TokenResponse tokens)
    {
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.Pragma = "no-cache";
        return TypedResults.Ok(tokens);
    }
}
