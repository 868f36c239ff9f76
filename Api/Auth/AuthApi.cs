using System.Security.Claims;
using Api.Hosting;
using Api.Http;
using Api.OpenApi;
using Api.Security;
using Api.Tokens;
using Api.Users;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Api.Auth;

/// <summary>The Auth API (docs/contract.md, Auth API), port 3001.</summary>
public static class AuthApi
{
    public static RouteGroupBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/auth").WithTags("Auth");

        api.MapPost("/login", Login)
            .CountedPerClient(ClientFailureRoutes.Failed)
            .WithName("Login")
            .WithSummary("Exchange email and password for an access token and a refresh token")
            .WithDescription("Answers a token pair, or, when the user has a second factor on, an MFA challenge whose ticket goes to POST /auth/login/mfa. " +
                "A wrong email and a wrong password get the same 401 in the same time; failed attempts are limited per account and per client.")
            .OkAnyOf(nameof(TokenResponse), nameof(MfaChallengeResponse))
            .WritesHeader(StatusCodes.Status200OK, "Cache-Control", "no-store: tokens are never cached.")
            .AnswersProblem(StatusCodes.Status401Unauthorized, "Wrong email or password (code invalid_credentials).")
            .AnswersProblem(StatusCodes.Status403Forbidden, "The email address is not verified yet (code email_not_verified), when verification is required.")
            .AnswersProblem(StatusCodes.Status429TooManyRequests, "Too many failed attempts on this account (code too_many_attempts) or from this client (code rate_limited); retry after Retry-After seconds.");
        api.MapPost("/refresh", Refresh)
            .RequireRateLimiting(ClientRateLimit.Policy)
            .WithName("Refresh")
            .WithSummary("Rotate a refresh token into a new token pair; a reused refresh token revokes its session")
            .WithDescription("The refresh token is single-use: the answer holds a new one. Presenting one that was already rotated ends the whole session (theft detection).")
            .WritesHeader(StatusCodes.Status200OK, "Cache-Control", "no-store: tokens are never cached.")
            .AnswersProblem(StatusCodes.Status401Unauthorized, "The refresh token is invalid, expired or revoked (code invalid_refresh_token).");
        api.MapPost("/logout", Logout)
            .RequireAuthorization()
            .WithName("Logout")
            .WithSummary("Revoke the caller's session: its access and refresh tokens stop working at once")
            .WithDescription("Ends the session the bearer token belongs to; other sessions of the user stay.");
        api.MapGet("/me", Me)
            .RequireAuthorization()
            .WithName("Me")
            .WithSummary("The calling user")
            .WithDescription("The user the bearer token was issued to, as stored now.");
        api.MapPost("/logout-all", LogoutAll)
            .RequireAuthorization()
            .WithName("LogoutAll")
            .WithSummary("Revoke every session of the caller, this one included")
            .WithDescription("Every access and refresh token of the user stops working at once, on every device.");
        api.MapGet("/sessions", Sessions)
            .RequireAuthorization()
            .WithName("Sessions")
            .WithSummary("The caller's live sessions")
            .WithDescription("Each session with when it started and was last used, its user agent and address; current marks the one this token belongs to.");
        api.MapDelete("/sessions/{id:guid}", RevokeSession)
            .RequireAuthorization()
            .WithName("RevokeSession")
            .WithSummary("Revoke one of the caller's sessions")
            .WithDescription("Ends one session by its id (from GET /auth/sessions); another user's session id is answered as unknown.")
            .AnswersProblem(StatusCodes.Status404NotFound, "No such session of the caller's (code not_found).");
        api.MapTokenRoutes();

        return api;
    }

    private static async Task<Results<Ok<TokenResponse>, Ok<MfaChallengeResponse>, ValidationProblem, ProblemHttpResult>> Login(
        LoginRequest body, AuthService auth, HttpContext http, CancellationToken cancellationToken)
    {
        // The registration syntax: an address that could not have been registered (a NUL in it, say)
        // is malformed, and must not reach the email index, whose storage cannot even hold some of them.
        var errors = new RequestErrors();
        FieldRules.Email(errors, "email", body.Email);

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
            http.Request.Headers.UserAgent is { Count: > 0 } agent ? agent.ToString() : null,
            ClientAddress.Of(http),
            cancellationToken);
        return outcome.Status switch
        {
            LoginStatus.Succeeded => NoStore(http, outcome.Tokens!),
            LoginStatus.MfaRequired => NoStore(http, outcome.Challenge!),
            LoginStatus.EmailNotVerified => ApiProblems.EmailNotVerified(),
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

    private static async Task<Results<EncodedJson<UserResponse>, ProblemHttpResult>> Me(HttpContext http, AuthService auth, UserResponseBodies bodies)
    {
        var me = await auth.Me(Caller.Of(http));
        return me is null ? ApiProblems.Unauthenticated() : new EncodedJson<UserResponse>(bodies.For(me));
    }

    private static async Task<NoContent> LogoutAll(ClaimsPrincipal user, AuthService auth)
    {
        await auth.LogoutAll(Caller.From(user));
        return TypedResults.NoContent();
    }

    private static async Task<Ok<IReadOnlyList<SessionResponse>>> Sessions(ClaimsPrincipal user, AuthService auth) =>
        TypedResults.Ok(await auth.Sessions(Caller.From(user)));

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeSession(Guid id, ClaimsPrincipal user, AuthService auth) =>
        await auth.RevokeSession(Caller.From(user), id) ? TypedResults.NoContent() : ApiProblems.NotFound("No such session of yours.");

    internal static Ok<T> NoStore<T>(HttpContext http, T tokens)
    {
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.Pragma = "no-cache";
        return TypedResults.Ok(tokens);
    }
}
