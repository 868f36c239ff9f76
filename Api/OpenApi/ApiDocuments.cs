using Api.Hosting;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Api.OpenApi;

/// <summary>
/// One OpenAPI document per front end, each served at <c>/openapi/v1.json</c> on that front end's own port:
/// a client generated from the auth port's document knows only the routes the auth port answers.
/// </summary>
public static class ApiDocuments
{
    public const string Auth = "auth";
    public const string User = "user";

    // Only when ASPNETCORE_URLS hands the ports to the operator and one process serves both APIs:
    // then every route answers on every port, and so one document lists them all.
    private const string Both = "both";

    public const string Route = "/openapi/v1.json";

    public static IServiceCollection AddApiDocuments(this IServiceCollection services)
    {
        foreach (var name in new[] { Auth, User, Both })
        {
            services.AddOpenApi(name, options =>
            {
                // Routes are placed in a document by their group name; anything else (health, the dashboard) is in none.
                options.ShouldInclude = description => name == Both
                    ? description.GroupName is Auth or User
                    : description.GroupName == name;
                options.AddDocumentTransformer(new DocumentDescription());
                options.AddOperationTransformer(new OperationConventions());
                options.AddSchemaTransformer(new WrittenShapes());
                options.AddSchemaTransformer(new RequestSchemaRules());
            });
        }

        return services;
    }

    /// <summary>Serves the document of the API on the port the request came to.</summary>
    public static IEndpointConventionBuilder MapApiDocuments(this IEndpointRouteBuilder app) =>
        app.MapGet(Route, async (HttpContext http, ApiSettings settings, CancellationToken cancellationToken) =>
            {
                if (DocumentFor(settings, http.Connection.LocalPort) is not { } name)
                {
                    // A port of neither API (the management port) serves no API and so no document.
                    http.Response.StatusCode = StatusCodes.Status404NotFound;
                    return;
                }

                var document = await http.RequestServices.GetRequiredKeyedService<IOpenApiDocumentProvider>(name)
                    .GetOpenApiDocumentAsync(cancellationToken);
                // Into a string first: the writer is synchronous, and Kestrel refuses synchronous writes.
                var json = await document.SerializeAsJsonAsync(OpenApiSpecVersion.OpenApi3_1, cancellationToken);
                http.Response.ContentType = "application/json; charset=utf-8";
                await http.Response.WriteAsync(json, cancellationToken);
            })
            .ExcludeFromDescription();

    private static string? DocumentFor(ApiSettings settings, int port) => settings switch
    {
        { UrlsOverridden: false, ServesAuth: true } when port == settings.AuthPort => Auth,
        { UrlsOverridden: false, ServesUsers: true } when port == settings.UserPort => User,
        { UrlsOverridden: false } => null,
        { ServesUsers: false } => Auth,
        { ServesAuth: false } => User,
        _ => Both,
    };
}
