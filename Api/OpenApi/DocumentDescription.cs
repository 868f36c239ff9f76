using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Api.OpenApi;

/// <summary>
/// What a reader of a document sees first: its title and purpose, where to send requests, how to authenticate,
/// and what each group of operations is for.
/// </summary>
public sealed class DocumentDescription : IOpenApiDocumentTransformer
{
    public const string BearerScheme = "Bearer";

    private static readonly Dictionary<string, string> TagDescriptions = new()
    {
        ["Auth"] = "Logging in and out, refreshing tokens, the caller's sessions, token introspection (RFC 7662) and revocation (RFC 7009).",
        ["Account"] = "Password reset, email verification and the second factor (TOTP).",
        ["Discovery"] = "The public signing keys (JWKS) and the discovery metadata (OpenID Connect Discovery, RFC 8414).",
        ["Users"] = "Registering, reading, changing, listing and deactivating users.",
    };

    private const string Errors =
        " Every error is an RFC 9457 problem (application/problem+json) with a stable `code`; a 400 about fields adds an `errors` map.";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var (title, description, port) = context.DocumentName switch
        {
            ApiDocuments.Auth => ("Auth API", "Logins, tokens and sessions, password reset and the second factor, and the keys and metadata other services verify tokens with.", 3001),
            ApiDocuments.User => ("User API", "Users: registration, reading, changes guarded by If-Match, admin listing, deactivation, and email verification.", 3002),
            _ => ("Auth and User API", "Both APIs, served on every port this process listens on (ASPNETCORE_URLS).", 3001),
        };
        document.Info = new OpenApiInfo
        {
            Title = title,
            Version = "1",
            Description = description + Errors + " Authenticate with `Authorization: Bearer <accessToken>` from POST /auth/login.",
            Contact = new OpenApiContact { Name = "The Orleans Auth contributors (see README.md and SECURITY.md)" },
            License = new OpenApiLicense { Name = "MIT", Identifier = "MIT" },
        };

        // Relative first: the API answers where its document was fetched from. The local default second, for tools that need a full URL.
        document.Servers =
        [
            new OpenApiServer { Url = "/", Description = "This front end: the origin this document was fetched from" },
            new OpenApiServer { Url = $"http://localhost:{port}", Description = "Run locally (docker compose, dotnet run) on the default port" },
        ];

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "The accessToken of POST /auth/login or /auth/refresh; it works while its session is alive.",
        };

        // Every problem answer points at the one problem schema; the framework's own ones are then unused.
        document.Components.Schemas?.Remove("HttpValidationProblemDetails");
        ProblemSchema.In(document);

        foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
        {
            if (tag.Name is { } name && TagDescriptions.TryGetValue(name, out var tagDescription))
            {
                tag.Description = tagDescription;
            }
        }

        return Task.CompletedTask;
    }
}
