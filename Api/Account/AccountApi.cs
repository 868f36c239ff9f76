using System.Security.Claims;
using Api.Auth;
using Api.Hosting;
using Api.Http;
using Api.OpenApi;
using Api.Security;
using Api.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Api.Account;

/// <summary>The account-lifecycle routes (docs/contract.md, Account lifecycle): the password and second-factor ones on the Auth API, verification on the User API.</summary>
public static class AccountApi
{
    // A TOTP code is 6 digits and a recovery code 23 characters; anything much longer is not worth hashing.
    public const int MaxCodeLength = 64;

    // What the documents say of the answers these routes share.
    private const string TooManyChecks =
        "Too many failed password or code checks on this account (code too_many_attempts) or requests from this client (code rate_limited); retry after Retry-After seconds.";
    private const string HoldsSecrets = "no-store: the answer holds secrets.";

    public static RouteGroupBuilder MapAccountAuthApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/auth").WithTags("Account");

        api.MapPost("/password/forgot", Forgot)
            .RequireRateLimiting(ClientRateLimit.MailPolicy)
            .CountedPerClientAlways()
            .WithName("ForgotPassword")
            .WithSummary("Mail a password-reset link; the same 202 whether or not the address has an account")
            .WithDescription("The answer is the same, in the same time, for any well-formed address, so it tells nobody which addresses have accounts. The link works once, for 30 minutes.");
        api.MapPost("/password/reset", Reset)
            .CountedPerClientAlways()
            .WithName("ResetPassword")
            .WithSummary("Set a new password with a mailed reset token; every session of the user ends")
            .WithDescription("The token from the reset mail works once; the new password follows the registration rules.")
            .AnswersProblem(StatusCodes.Status410Gone, "The token is unknown, used, expired or superseded (code token_gone); ask for a new mail.");
        api.MapPost("/login/mfa", LoginMfa)
            .CountedPerClient(ClientFailureRoutes.Failed)
            .WithName("LoginMfa")
            .WithSummary("Finish a login that answered mfaRequired: the ticket and a TOTP code or a recovery code")
            .WithDescription("Answers the token pair a login without a second factor answers. A recovery code works once.")
            .WritesHeader(StatusCodes.Status200OK, "Cache-Control", HoldsSecrets)
            .AnswersProblem(StatusCodes.Status401Unauthorized, "The code is wrong, expired or used (code invalid_code), or the ticket is unknown, used or expired (code invalid_mfa_ticket).")
            .AnswersProblem(StatusCodes.Status429TooManyRequests, TooManyChecks);
        api.MapPost("/mfa/totp", BeginTotp)
            .RequireAuthorization()
            .WithName("BeginTotp")
            .WithSummary("Start TOTP setup (current password required): the secret, an otpauth URI and its QR code as SVG")
            .WithDescription("TOTP is on only once POST /auth/mfa/totp/confirm has checked a first code from the authenticator.")
            .WritesHeader(StatusCodes.Status200OK, "Cache-Control", HoldsSecrets)
            .AnswersProblem(StatusCodes.Status401Unauthorized, "No valid bearer token (code unauthenticated), or currentPassword does not match (code password_mismatch).")
            .AnswersProblem(StatusCodes.Status409Conflict, "TOTP is already on (code totp_already_on): turn it off first.")
            .AnswersProblem(StatusCodes.Status429TooManyRequests, TooManyChecks);
        api.MapPost("/mfa/totp/confirm", ConfirmTotp)
            .RequireAuthorization()
            .WithName("ConfirmTotp")
            .WithSummary("Turn TOTP on with a first code: the answer holds 10 single-use recovery codes, shown once")
            .WithDescription("The recovery codes are never shown again; each works once in place of a TOTP code.")
            .WritesHeader(StatusCodes.Status200OK, "Cache-Control", HoldsSecrets)
            .AnswersProblem(StatusCodes.Status400BadRequest, "A field is missing or wrong (errors), the code does not match the pending secret (code invalid_code), or no setup is waiting (code totp_not_pending).")
            .AnswersProblem(StatusCodes.Status429TooManyRequests, TooManyChecks);
        api.MapDelete("/mfa/totp", DisableTotp)
            .RequireAuthorization()
            .WithName("DisableTotp")
            .WithSummary("Turn TOTP off: the current password and a code (or a recovery code)")
            .WithDescription("Both proofs are needed: a stolen session alone cannot turn the second factor off.")
            .AnswersProblem(StatusCodes.Status400BadRequest, "A field is missing or wrong (errors), or TOTP is not on (code totp_not_enabled).")
            .AnswersProblem(StatusCodes.Status401Unauthorized, "No valid bearer token (code unauthenticated), currentPassword does not match (code password_mismatch), or the code is wrong (code invalid_code).")
            .AnswersProblem(StatusCodes.Status429TooManyRequests, TooManyChecks);

        return api;
    }

    public static RouteGroupBuilder MapAccountUsersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/user").WithTags("Account");

        api.MapPost("/verify-email", VerifyEmail)
            .RequireRateLimiting(ClientRateLimit.Policy)
            .WithName("VerifyEmail")
            .WithSummary("Mark the address verified with the mailed token")
            .WithDescription("The token from the verification mail works once; the answer is the user, now with emailVerified true.")
            .AnswersProblem(StatusCodes.Status410Gone, "The token is unknown, used, expired or superseded (code token_gone); ask for a new mail.");
        api.MapPost("/verify-email/resend", Resend)
            .RequireAuthorization()
            .RequireRateLimiting(ClientRateLimit.MailPolicy)
            .WithName("ResendVerification")
            .WithSummary("Mail the caller a new verification link (the older one dies)")
            .WithDescription("At most one mail a minute per user; the link works once, for 24 hours.")
            .AnswersProblem(StatusCodes.Status429TooManyRequests, "A link was mailed less than a minute ago (code too_many_attempts) or too many requests from this client (code rate_limited); retry after Retry-After seconds.");
        api.MapDelete("/{id:guid}/mfa", AdminResetMfa)
            .RequireAuthorization()
            .WithName("ResetMfa")
            .WithSummary("Admins: turn a user's second factor off (a lost authenticator and lost recovery codes)")
            .WithDescription("The user logs in with the password alone afterwards, and may set up a new authenticator.")
            .AnswersProblem(StatusCodes.Status403Forbidden, "The caller is not an admin (code forbidden).")
            .AnswersProblem(StatusCodes.Status404NotFound, "No such user with a second factor (code not_found).");

        return api;
    }

    private static Results<Accepted<AcceptedResponse>, ValidationProblem> Forgot(ForgotPasswordRequest body, AccountService account)
    {
        var errors = new RequestErrors();
        FieldRules.Email(errors, "email", body.Email);
        if (errors.Any)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }

        account.ForgotPassword(body.Email!);
        return TypedResults.Accepted((string?)null, AcceptedResponse.ResetMailQueued);
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> Reset(ResetPasswordRequest body, AccountService account)
    {
        var errors = new RequestErrors();
        Token(errors, "token", body.Token);
        FieldRules.NewPassword(errors, "newPassword", body.NewPassword);
        if (errors.Any)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }

        var outcome = await account.ResetPassword(body.Token!, body.NewPassword!);
        return outcome.Status == AccountOutcomeStatus.Ok ? TypedResults.NoContent() : ApiProblems.TokenGone();
    }

    private static async Task<Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult>> LoginMfa(
        MfaLoginRequest body, AccountService account, HttpContext http)
    {
        var errors = new RequestErrors();
        Token(errors, "mfaTicket", body.MfaTicket);
        Code(errors, "code", body.Code);
        if (errors.Any)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }

        var (outcome, tokens) = await account.CompleteMfaLogin(
            body.MfaTicket!,
            body.Code!,
            http.Request.Headers.UserAgent is { Count: > 0 } agent ? agent.ToString() : null,
            ClientAddress.Of(http));
        return tokens is not null ? AuthApi.NoStore(http, tokens) : Problem(outcome, http);
    }

    private static async Task<Results<Ok<TotpSetupResponse>, ValidationProblem, ProblemHttpResult>> BeginTotp(
        TotpSetupRequest body, ClaimsPrincipal principal, AccountService account, HttpContext http)
    {
        var errors = new RequestErrors();
        CurrentPassword(errors, body.CurrentPassword);
        if (errors.Any)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }

        var (outcome, setup) = await account.BeginTotp(Caller.From(principal), body.CurrentPassword!);
        return setup is not null ? AuthApi.NoStore(http, setup) : Problem(outcome, http);
    }

    private static async Task<Results<Ok<RecoveryCodesResponse>, ValidationProblem, ProblemHttpResult>> ConfirmTotp(
        TotpConfirmRequest body, ClaimsPrincipal principal, AccountService account, HttpContext http)
    {
        var errors = new RequestErrors();
        Code(errors, "code", body.Code);
        if (errors.Any)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }

        var (outcome, codes) = await account.ConfirmTotp(Caller.From(principal), body.Code!);
        return outcome.Status switch
        {
            AccountOutcomeStatus.Ok => AuthApi.NoStore(http, new RecoveryCodesResponse(codes!)),
            AccountOutcomeStatus.InvalidCode => ApiProblems.Problem(StatusCodes.Status400BadRequest, "invalid_code", "The code does not match the pending secret; check the authenticator's clock."),
            AccountOutcomeStatus.NotPending => ApiProblems.Problem(StatusCodes.Status400BadRequest, "totp_not_pending", "No TOTP setup is waiting: start one with POST /auth/mfa/totp."),
            _ => Problem(outcome, http),
        };
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DisableTotp(
        [FromBody] TotpDisableRequest body, ClaimsPrincipal principal, AccountService account, HttpContext http)
    {
        var errors = new RequestErrors();
        CurrentPassword(errors, body.CurrentPassword);
        Code(errors, "code", body.Code);
        if (errors.Any)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }

        var outcome = await account.DisableTotp(Caller.From(principal), body.CurrentPassword!, body.Code!);
        return outcome.Status switch
        {
            AccountOutcomeStatus.Ok => TypedResults.NoContent(),
            AccountOutcomeStatus.NotPending => ApiProblems.Problem(StatusCodes.Status400BadRequest, "totp_not_enabled", "TOTP is not on for this account."),
            _ => Problem(outcome, http),
        };
    }

    private static async Task<Results<Ok<UserResponse>, ValidationProblem, ProblemHttpResult>> VerifyEmail(VerifyEmailRequest body, AccountService account)
    {
        var errors = new RequestErrors();
        Token(errors, "token", body.Token);
        if (errors.Any)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }

        var (status, user) = await account.VerifyEmail(body.Token!);
        return status == AccountOutcomeStatus.Ok ? TypedResults.Ok(UserResponse.From(user!)) : ApiProblems.TokenGone();
    }

    private static async Task<Results<Accepted<AcceptedResponse>, ProblemHttpResult>> Resend(ClaimsPrincipal principal, AccountService account, HttpContext http)
    {
        var outcome = await account.ResendVerification(Caller.From(principal));
        return outcome.Status == AccountOutcomeStatus.Ok ? TypedResults.Accepted((string?)null, AcceptedResponse.VerificationQueued) : Problem(outcome, http);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> AdminResetMfa(Guid id, ClaimsPrincipal principal, AccountService account, HttpContext http)
    {
        var outcome = await account.ResetTotp(Caller.From(principal), id);
        return outcome.Status == AccountOutcomeStatus.Ok ? TypedResults.NoContent() : Problem(outcome, http);
    }

    private static void Token(RequestErrors errors, string field, string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > AccountTokens.MaxLength)
        {
            errors.Add(field, $"is required, at most {AccountTokens.MaxLength} characters");
        }
    }

    private static void Code(RequestErrors errors, string field, string? code)
    {
        if (string.IsNullOrWhiteSpace(code) || code.Length > MaxCodeLength)
        {
            errors.Add(field, $"is required: a 6-digit code or a recovery code, at most {MaxCodeLength} characters");
        }
    }

    private static void CurrentPassword(RequestErrors errors, string? password)
    {
        if (string.IsNullOrEmpty(password) || password.Length > FieldRules.MaxPasswordLength)
        {
            errors.Add("currentPassword", $"is required, at most {FieldRules.MaxPasswordLength} characters");
        }
    }

    private static ProblemHttpResult Problem(AccountOutcome outcome, HttpContext http) => outcome.Status switch
    {
        AccountOutcomeStatus.Unauthenticated => ApiProblems.Unauthenticated(),
        AccountOutcomeStatus.Forbidden => ApiProblems.Forbidden("Only an admin may do this."),
        AccountOutcomeStatus.NotFound => ApiProblems.NotFound("No such user with a second factor."),
        AccountOutcomeStatus.TokenGone => ApiProblems.TokenGone(),
        AccountOutcomeStatus.PasswordMismatch => ApiProblems.Problem(StatusCodes.Status401Unauthorized, "password_mismatch", "currentPassword does not match."),
        AccountOutcomeStatus.InvalidCode => ApiProblems.InvalidCode(),
        AccountOutcomeStatus.InvalidTicket => ApiProblems.InvalidMfaTicket(),
        AccountOutcomeStatus.AlreadyOn => ApiProblems.Conflict("totp_already_on", "TOTP is already on; turn it off first to set up a new authenticator."),
        AccountOutcomeStatus.NotPending => ApiProblems.Problem(StatusCodes.Status400BadRequest, "totp_not_enabled", "TOTP is not on for this account."),
        AccountOutcomeStatus.Throttled => ApiProblems.Throttled(http, outcome.RetryAfter),
        _ => throw new InvalidOperationException($"No problem answer for {outcome.Status}."),
    };
}
