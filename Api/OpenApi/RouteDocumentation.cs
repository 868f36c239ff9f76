using System.Globalization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Api.OpenApi;

/// <summary>
/// What a route declares about itself beside its mapping, for its OpenAPI operation: the problem answers
/// its handler gives, the headers it reads and writes. Cross-cutting answers are <see cref="OperationConventions"/>'.
/// </summary>
public static class RouteDocumentation
{
    public const string BasicScheme = "IntrospectionClient";

    /// <summary>A problem answer the handler gives, with what it means for this route.</summary>
    public static RouteHandlerBuilder AnswersProblem(this RouteHandlerBuilder route, int status, string description) =>
        route.ProducesProblem(status).AddOpenApiOperationTransformer((operation, _, _) =>
        {
            if (operation.Responses?.GetValueOrDefault(Key(status)) is OpenApiResponse response)
            {
                response.Description = description;
            }

            return Task.CompletedTask;
        });

    /// <summary>A header the answer with <paramref name="status"/> carries.</summary>
    public static RouteHandlerBuilder WritesHeader(this RouteHandlerBuilder route, int status, string name, string description) =>
        route.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            if (operation.Responses?.GetValueOrDefault(Key(status)) is OpenApiResponse response)
            {
                OperationConventions.Header(response, name, description);
            }

            return Task.CompletedTask;
        });

    /// <summary>An optional request header the route reads.</summary>
    public static RouteHandlerBuilder ReadsHeader(this RouteHandlerBuilder route, string name, string description) =>
        route.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = name,
                In = ParameterLocation.Header,
                Description = description,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
            return Task.CompletedTask;
        });

    /// <summary>A query parameter read as text (so that a bad one gets a clear 400), documented as what it must hold.</summary>
    public static RouteHandlerBuilder QueryParameter(this RouteHandlerBuilder route, string name, string description, OpenApiSchema schema) =>
        route.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            if (operation.Parameters?.FirstOrDefault(p => p.Name == name && p.In == ParameterLocation.Query) is OpenApiParameter parameter)
            {
                parameter.Description = description;
                parameter.Schema = schema;
            }

            return Task.CompletedTask;
        });

    /// <summary>A 200 whose body is one of several schemas (a login answers tokens, or an MFA challenge).</summary>
    public static RouteHandlerBuilder OkOneOf(this RouteHandlerBuilder route, params string[] schemas) =>
        route.AddOpenApiOperationTransformer((operation, context, _) =>
        {
            if (operation.Responses?.GetValueOrDefault(Key(StatusCodes.Status200OK)) is OpenApiResponse { Content: { } content }
                && content.TryGetValue("application/json", out var json))
            {
                json.Schema = new OpenApiSchema { OneOf = [.. schemas.Select(s => (IOpenApiSchema)new OpenApiSchemaReference(s, context.Document))] };
            }

            return Task.CompletedTask;
        });

    /// <summary>A bearer token is optional: without one the route still answers, with one (an admin's) it may do more.</summary>
    public static RouteHandlerBuilder OptionalBearer(this RouteHandlerBuilder route) =>
        route.AddOpenApiOperationTransformer((operation, context, _) =>
        {
            operation.Security =
            [
                new OpenApiSecurityRequirement(),
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(DocumentDescription.BearerScheme, context.Document)] = [] },
            ];
            return Task.CompletedTask;
        });

    /// <summary>The caller is another service with HTTP Basic credentials from INTROSPECTION_CLIENTS, not a user's bearer token.</summary>
    public static RouteHandlerBuilder RequiresIntrospectionClient(this RouteHandlerBuilder route) =>
        route.AddOpenApiOperationTransformer((operation, context, _) =>
        {
            var document = context.Document!;
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[BasicScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "basic",
                Description = "A client id and secret from INTROSPECTION_CLIENTS.",
            };
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BasicScheme, document)] = [] }];
            return Task.CompletedTask;
        });

    private static string Key(int status) => status.ToString(CultureInfo.InvariantCulture);
}
