using Api.Auth;
using Api.Hosting;
using Api.Http;
using Api.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Api.Tokens;

/// <summary>Introspection (RFC 7662) and revocation (RFC 7009), under /auth on the Auth API.</summary>
public static class TokenRoutes
{
    public static RouteGroupBuilder MapTokenRoutes(this RouteGroupBuilder auth)
    {
        auth.MapPost("/introspect", Introspect)
            .CountedPerClient(status => status == StatusCodes.Status401Unauthorized)
            .Accepts<IntrospectRequest>("application/json", "application/x-www-form-urlencoded")
            .WithName("Introspect")
            .WithSummary("RFC 7662 token introspection for other services, which authenticate with HTTP Basic (INTROSPECTION_CLIENTS)")
            .WithDescription("Answers {\"active\": false} alone for a token that is not live (expired, revoked, forged, unknown); for a live access or refresh token, its subject, session, times and permissions.")
            .RequiresIntrospectionClient()
            .WritesHeader(StatusCodes.Status200OK, "Cache-Control", "no-store: a token's state changes at any time.")
            .AnswersProblem(StatusCodes.Status400BadRequest, "No token field, or a body that could not be read (codes invalid_request, malformed_body).")
            .AnswersProblem(StatusCodes.Status401Unauthorized, "No valid HTTP Basic credentials of an introspection client (code invalid_client).")
            .WritesHeader(StatusCodes.Status401Unauthorized, "WWW-Authenticate", "Basic realm=\"introspection\": the scheme to authenticate with.");
        auth.MapPost("/revoke", Revoke)
            .Accepts<IntrospectRequest>("application/json", "application/x-www-form-urlencoded")
            .WithName("Revoke")
            .WithSummary("RFC 7009 revocation: ends the session of a refresh or access token; 200 whatever the token was")
            .WithDescription("Needs no credentials: whoever holds a token may end its session. The answer is the same for a live, dead or unknown token.")
            .AnswersProblem(StatusCodes.Status400BadRequest, "No token field, or a body that could not be read (codes invalid_request, malformed_body).");
        return auth;
    }

    private static async Task<Results<Ok<IntrospectionResponse>, ProblemHttpResult>> Introspect(
        HttpContext http, TokenSettings settings, AuthService auth)
    {
        if (settings.IntrospectionClients.Authenticate(http.Request.Headers.Authorization) is null)
        {
            http.Response.Headers.WWWAuthenticate = "Basic realm=\"introspection\", charset=\"UTF-8\"";
            return ApiProblems.Problem(
                StatusCodes.Status401Unauthorized, "invalid_client", "Introspection needs HTTP Basic credentials from INTROSPECTION_CLIENTS.");
        }

        http.Response.Headers.CacheControl = "no-store";
        var (outcome, token) = await TokenParameter.Read(http.Request, http.RequestAborted);
        if (outcome != TokenParameter.Outcome.Read)
        {
            return Refused(outcome);
        }

        return TypedResults.Ok(token!.Length > TokenParameter.MaxTokenLength
            ? IntrospectionResponse.Inactive
            : await auth.Introspect(token, http.RequestAborted));
    }

    private static async Task<Results<Ok, ProblemHttpResult>> Revoke(HttpContext http, AuthService auth)
    {
        var (outcome, token) = await TokenParameter.Read(http.Request, http.RequestAborted);
        if (outcome != TokenParameter.Outcome.Read)
        {
            return Refused(outcome);
        }

        if (token!.Length <= TokenParameter.MaxTokenLength)
        {
            await auth.Revoke(token, http.RequestAborted);
        }

        return TypedResults.Ok();
    }

    private static ProblemHttpResult Refused(TokenParameter.Outcome outcome) => outcome switch
    {
        TokenParameter.Outcome.UnsupportedMediaType => ApiProblems.Problem(
            StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", "Send the token as a form field (application/x-www-form-urlencoded) or as JSON {\"token\": …}."),
        TokenParameter.Outcome.Missing => ApiProblems.Problem(StatusCodes.Status400BadRequest, "invalid_request", "token is required."),
        _ => ApiProblems.Problem(StatusCodes.Status400BadRequest, "malformed_body", "The request body could not be read: send one token field."),
    };
}
