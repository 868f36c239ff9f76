using Microsoft.OpenApi;

namespace Api.OpenApi;

/// <summary>
/// The one body every error answer has (RFC 9457 problem details, <c>application/problem+json</c>), with the
/// stable <c>code</c> clients switch on and, for a 400 about fields, the <c>errors</c> map.
/// </summary>
public static class ProblemSchema
{
    public const string Name = "ProblemDetails";
    public const string MediaType = "application/problem+json";

    public static OpenApiSchemaReference In(OpenApiDocument document)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas[Name] = Schema();
        return new OpenApiSchemaReference(Name, document);
    }

    private static OpenApiSchema Schema() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "An error (RFC 9457). Switch on code, not on title or detail, which are for people.",
        Required = new HashSet<string> { "type", "title", "status", "code" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A URI naming the kind of problem." },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The status's short name." },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Description = "The HTTP status, repeated." },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "What went wrong and what to do, for people." },
            ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["code"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Description = "Stable, machine-readable: invalid_credentials, unauthenticated, forbidden, not_found, email_taken, " +
                    "version_mismatch, rate_limited, too_many_attempts, unavailable, overloaded, bad_request, malformed_body, ...",
            },
            ["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "For a 400 about the request's fields: each field (or header) with what is wrong with it.",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            },
            ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request's trace, to find it in the logs." },
        },
    };
}
