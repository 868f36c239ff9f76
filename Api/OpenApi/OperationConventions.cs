using Api.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;

namespace Api.OpenApi;

/// <summary>
/// The answers that come from the pipeline rather than the handler, added to every operation they can reach:
/// 401 and the bearer requirement where authorization is required, 429 where a per-client limit applies,
/// 400/413/415 where a body is read (the exception handler, Kestrel's limit, <see cref="Http.Utf8JsonBodies"/>),
/// 503 everywhere (a cluster or store that cannot answer). Every problem answer gets the one problem schema.
/// </summary>
public sealed class OperationConventions : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var document = context.Document ?? throw new InvalidOperationException("The operation transformer needs its document.");
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        operation.Responses ??= new OpenApiResponses();

        if (ReadsBody(context, metadata))
        {
            Problem(operation, 400, "The body is not JSON this route reads, or a field is missing or wrong: errors names each field.");
            Problem(operation, 413, $"The body is larger than {Hosting.ApiHost.MaxRequestBodyBytes / 1024} KiB.");
            Problem(operation, 415, "The body is not JSON (Content-Type: application/json, UTF-8).");
        }

        if (metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any())
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(DocumentDescription.BearerScheme, document)] = [] }];
            var unauthenticated = Problem(operation, 401, "No valid bearer token for a live session (code unauthenticated).");
            Header(unauthenticated, "WWW-Authenticate", "Bearer: the scheme to authenticate with.");
        }

        if (metadata.OfType<EnableRateLimitingAttribute>().Any() || metadata.OfType<ClientFailureLimited>().Any())
        {
            var limited = Problem(operation, 429, "Too many requests from this client (code rate_limited); retry after Retry-After seconds.");
            Header(limited, "Retry-After", "Seconds to wait before trying again.", JsonSchemaType.Integer);
        }

        var unavailable = Problem(operation, 503, "The cluster or a store cannot answer now (code unavailable), or too many passwords are being checked (code overloaded); retry after Retry-After seconds.");
        Header(unavailable, "Retry-After", "Seconds to wait before trying again.", JsonSchemaType.Integer);

        var problem = ProblemSchema.In(document);
        foreach (var response in operation.Responses.Values.OfType<OpenApiResponse>())
        {
            if (response.Content?.ContainsKey(ProblemSchema.MediaType) == true)
            {
                response.Content = new Dictionary<string, OpenApiMediaType> { [ProblemSchema.MediaType] = new() { Schema = problem } };
            }
        }

        // By status, so that the document reads (and diffs) the same whatever order the answers were declared in.
        var sorted = operation.Responses.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
        operation.Responses.Clear();
        foreach (var (status, response) in sorted)
        {
            operation.Responses[status] = response;
        }

        return Task.CompletedTask;
    }

    /// <summary>Adds a problem answer unless the route declared that status itself, whose own description then stands.</summary>
    private static OpenApiResponse Problem(OpenApiOperation operation, int status, string description)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.GetValueOrDefault(key) is OpenApiResponse declared)
        {
            declared.Content ??= new Dictionary<string, OpenApiMediaType>();
            declared.Content.TryAdd(ProblemSchema.MediaType, new OpenApiMediaType());
            if (declared.Description == ReasonPhrases.GetReasonPhrase(status))
            {
                declared.Description = description;
            }

            return declared;
        }

        var response = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType> { [ProblemSchema.MediaType] = new() },
        };
        operation.Responses![key] = response;
        return response;
    }

    internal static void Header(OpenApiResponse response, string name, string description, JsonSchemaType type = JsonSchemaType.String)
    {
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers[name] = new OpenApiHeader { Description = description, Schema = new OpenApiSchema { Type = type } };
    }

    private static bool ReadsBody(OpenApiOperationTransformerContext context, IList<object> metadata) =>
        metadata.OfType<IAcceptsMetadata>().Any()
        || context.Description.ParameterDescriptions.Any(p => p.Source == BindingSource.Body);
}
