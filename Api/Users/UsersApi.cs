using System.Globalization;
using System.Security.Claims;
using Api.Hosting;
using Api.Http;
using Api.OpenApi;
using Api.Security;
using Grains.Interfaces.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.OpenApi;

namespace Api.Users;

/// <summary>The User API (docs/contract.md, User API), port 3002.</summary>
public static class UsersApi
{
    public static RouteGroupBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/user").WithTags("Users");

        api.MapPost("/create", Create)
            .CountedPerClientAlways()
            .WithName("CreateUser")
            .WithSummary("Register a user; only an admin may set permissions")
            .WithDescription("Anyone may register; with a bearer token of an admin, permissions may be given too. When email verification is on, a link is mailed and login waits for it.")
            .WritesHeader(StatusCodes.Status201Created, "ETag", "The user's version in quotes, e.g. \"3\": send it back in If-Match to update.")
            .OptionalBearer()
            .WritesHeader(StatusCodes.Status201Created, "Location", "The new user's URL, /user/{id}.")
            .AnswersProblem(StatusCodes.Status403Forbidden, "Permissions were given by a caller who is not an admin (code forbidden).")
            .AnswersProblem(StatusCodes.Status409Conflict, "The email address is already registered (code email_taken).");
        api.MapPut("/update/{id:guid}", Update)
            .RequireAuthorization()
            .RequireRateLimiting(ClientRateLimit.Policy)
            .WithName("UpdateUser")
            .WithSummary("Change a user (self or admin); If-Match: \"<version>\" guards against lost updates")
            .WithDescription("Only the fields sent change. A new email or password needs currentPassword from the user themself and ends their other sessions " +
                "unless endOtherSessions is false; only an admin may change permissions. With If-Match the change applies only to that version.")
            .ReadsHeader("If-Match", "The version the change is meant for, as ETag gave it (e.g. \"3\"), or *; absent, the change applies to any version.")
            .WritesHeader(StatusCodes.Status200OK, "ETag", "The user's version in quotes, e.g. \"3\": send it back in If-Match to update.")
            .AnswersProblem(StatusCodes.Status400BadRequest, "A field or If-Match is wrong (errors), currentPassword is missing (code current_password_required) or does not match (code password_mismatch).")
            .AnswersProblem(StatusCodes.Status403Forbidden, "Neither the user themself nor an admin, or permissions changed by a non-admin (code forbidden).")
            .AnswersProblem(StatusCodes.Status404NotFound, "No such user (code not_found).")
            .AnswersProblem(StatusCodes.Status409Conflict, "The new email address is already registered (code email_taken).")
            .AnswersProblem(StatusCodes.Status412PreconditionFailed, "The user changed since the version in If-Match (code version_mismatch): read it again.")
            .AnswersProblem(StatusCodes.Status429TooManyRequests, "Too many failed currentPassword checks on this account (code too_many_attempts) or requests from this client (code rate_limited); retry after Retry-After seconds.");
        api.MapGet("/{id:guid}", Get)
            .RequireAuthorization()
            .WithName("GetUser")
            .WithSummary("Read a user (self or admin)")
            .WithDescription("A user may read themself; an admin anyone.")
            .WritesHeader(StatusCodes.Status200OK, "ETag", "The user's version in quotes, e.g. \"3\": send it back in If-Match to update.")
            .AnswersProblem(StatusCodes.Status403Forbidden, "Neither the user themself nor an admin (code forbidden).")
            .AnswersProblem(StatusCodes.Status404NotFound, "No such user (code not_found).");

        api.MapGet("", List)
            .RequireAuthorization()
            .WithName("ListUsers")
            .WithSummary("Admins: list users, a page at a time, optionally filtered by exact email (from the read model, which trails writes by the event lag)")
            .WithDescription("Pages start at 1; total counts every matching user.")
            .QueryParameter("page", "The page, from 1.", new() { Type = JsonSchemaType.Integer, Minimum = "1", Maximum = (int.MaxValue / MaxPageSize).ToString(CultureInfo.InvariantCulture), Default = 1 })
            .QueryParameter("pageSize", $"Users per page, 1 to {MaxPageSize}.", new() { Type = JsonSchemaType.Integer, Minimum = "1", Maximum = MaxPageSize.ToString(CultureInfo.InvariantCulture), Default = DefaultPageSize })
            .QueryParameter("email", "Only the user with exactly this address.", new() { Type = JsonSchemaType.String, Format = "email", MaxLength = FieldRules.MaxEmailLength })
            .AnswersProblem(StatusCodes.Status403Forbidden, "The caller is not an admin (code forbidden).");
        api.MapDelete("/{id:guid}", Delete)
            .RequireAuthorization()
            .WithName("DeleteUser")
            .WithSummary("Deactivate a user (self with {currentPassword}, or an admin): login is refused and every session revoked")
            .WithDescription("A user deleting themself sends {\"currentPassword\": ...}; an admin deleting someone else sends no body.")
            .AnswersProblem(StatusCodes.Status400BadRequest, "currentPassword is too long (errors), missing (code current_password_required) or does not match (code password_mismatch).")
            .AnswersProblem(StatusCodes.Status403Forbidden, "Neither the user themself nor an admin (code forbidden).")
            .AnswersProblem(StatusCodes.Status404NotFound, "No such user (code not_found).")
            .AnswersProblem(StatusCodes.Status429TooManyRequests, "Too many failed currentPassword checks on this account (code too_many_attempts); retry after Retry-After seconds.");

        return api;
    }

    private static async Task<Results<Created<UserResponse>, ValidationProblem, ProblemHttpResult>> Create(
        CreateUserRequest body, ClaimsPrincipal principal, UserService users, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new RequestErrors();
        FieldRules.Name(errors, "name", body.Name);
        FieldRules.Email(errors, "email", body.Email);
        FieldRules.NewPassword(errors, "password", body.Password);
        FieldRules.Permissions(errors, "permissions", body.Permissions);
        if (errors.Any)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }

        Caller? caller = Caller.TryFrom(principal, out var c) ? c : null;
        var outcome = await users.Create(body, caller, cancellationToken);
        if (outcome is { Status: UserOutcomeStatus.Ok, User: { } user })
        {
            http.Response.SetETag(user.Version);
            return TypedResults.Created($"/user/{user.Id}", UserResponse.From(user));
        }

        return Problem(outcome, http);
    }

    private static async Task<Results<Ok<UserResponse>, ValidationProblem, ProblemHttpResult>> Update(
        Guid id, UpdateUserRequest body, ClaimsPrincipal principal, UserService users, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new RequestErrors();
        if (body is { Name: null, Email: null, Password: null, Permissions: null })
        {
            errors.Add("body", "names nothing to change: give name, email, password or permissions");
        }

        if (body.Name is not null)
        {
            FieldRules.Name(errors, "name", body.Name);
        }

        if (body.Email is not null)
        {
            FieldRules.Email(errors, "email", body.Email);
        }

        if (body.Password is not null)
        {
            FieldRules.NewPassword(errors, "password", body.Password);
        }

        if (body.CurrentPassword is { Length: > FieldRules.MaxPasswordLength })
        {
            errors.Add("currentPassword", $"must be at most {FieldRules.MaxPasswordLength} characters");
        }

        FieldRules.Permissions(errors, "permissions", body.Permissions);
        if (!http.Request.TryReadIfMatch(out var expectedVersion))
        {
            errors.Add("If-Match", "must be a version in quotes, as the ETag header gives it, e.g. \"3\"");
        }

        if (errors.Any)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }

        var outcome = await users.Update(id, body, expectedVersion, Caller.From(principal), cancellationToken);
        if (outcome is { Status: UserOutcomeStatus.Ok, User: { } user })
        {
            http.Response.SetETag(user.Version);
            return TypedResults.Ok(UserResponse.From(user));
        }

        return Problem(outcome, http);
    }

    private static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> Get(
        Guid id, ClaimsPrincipal principal, UserService users, HttpContext http)
    {
        var outcome = await users.Get(id, Caller.From(principal));
        if (outcome is { Status: UserOutcomeStatus.Ok, User: { } user })
        {
            http.Response.SetETag(user.Version);
            return TypedResults.Ok(UserResponse.From(user));
        }

        return Problem(outcome, http);
    }

    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;

    private static async Task<Results<Ok<UserListResponse>, ValidationProblem, ProblemHttpResult>> List(
        string? page, string? pageSize, string? email, ClaimsPrincipal principal, UserService users)
    {
        var errors = new RequestErrors();
        var pageNumber = PositiveInt(errors, "page", page, 1, int.MaxValue / MaxPageSize);
        var size = PositiveInt(errors, "pageSize", pageSize, DefaultPageSize, MaxPageSize);
        if (email is not null)
        {
            FieldRules.Email(errors, "email", email);
        }

        if (errors.Any)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }

        var (status, result) = await users.List(new UserQuery(pageNumber, size, email), Caller.From(principal));
        return status switch
        {
            UserOutcomeStatus.Ok => TypedResults.Ok(new UserListResponse([.. result!.Items.Select(UserResponse.From)], pageNumber, size, result.Total)),
            UserOutcomeStatus.Forbidden => ApiProblems.Forbidden("Only an admin may list users."),
            _ => ApiProblems.Unauthenticated(),
        };
    }

    // Query values arrive as text so that "abc" or "-1" get a clear 400 rather than a binding failure.
    private static int PositiveInt(RequestErrors errors, string name, string? raw, int fallback, int max)
    {
        if (raw is null)
        {
            return fallback;
        }

        if (int.TryParse(raw, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= 1 && value <= max)
        {
            return value;
        }

        errors.Add(name, $"must be a whole number from 1 to {max}");
        return fallback;
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> Delete(
        Guid id, [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] DeleteUserRequest? body, ClaimsPrincipal principal, UserService users, HttpContext http)
    {
        if (body?.CurrentPassword is { Length: > FieldRules.MaxPasswordLength })
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["currentPassword"] = [$"must be at most {FieldRules.MaxPasswordLength} characters"],
            });
        }

        var outcome = await users.Delete(id, body?.CurrentPassword, Caller.From(principal));
        return outcome.Status == UserOutcomeStatus.Ok ? TypedResults.NoContent() : Problem(outcome, http);
    }

    private static ProblemHttpResult Problem(UserOutcome outcome, HttpContext http) => outcome.Status switch
    {
        UserOutcomeStatus.Unauthenticated => ApiProblems.Unauthenticated(),
        UserOutcomeStatus.Forbidden => ApiProblems.Forbidden(outcome.Reason ?? "Not allowed."),
        UserOutcomeStatus.NotFound => ApiProblems.NotFound("No such user."),
        UserOutcomeStatus.EmailTaken => ApiProblems.EmailTaken(),
        UserOutcomeStatus.VersionMismatch => ApiProblems.VersionMismatch(),
        UserOutcomeStatus.PasswordMismatch => ApiProblems.PasswordMismatch(),
        UserOutcomeStatus.CurrentPasswordRequired => ApiProblems.CurrentPasswordRequired(),
        UserOutcomeStatus.Throttled => ApiProblems.Throttled(http, outcome.RetryAfter),
        _ => throw new InvalidOperationException($"No problem answer for {outcome.Status}."),
    };
}
