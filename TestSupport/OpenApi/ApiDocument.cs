using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace TestSupport.OpenApi;

/// <summary>A front end's OpenAPI document, read with Microsoft.OpenApi, and the operation a request names.</summary>
public sealed class ApiDocument
{
    public const string Path = "/openapi/v1.json";

    private readonly List<(string Template, string[] Segments, IOpenApiPathItem Item)> _paths;

    private ApiDocument(OpenApiDocument document)
    {
        Document = document;
        // Literal segments before parameters, so /user/me wins over /user/{id}.
        _paths = (document.Paths ?? [])
            .Select(path => (path.Key, Segments(path.Key), path.Value))
            .OrderBy(path => path.Item2.Count(IsParameter))
            .ToList();
    }

    public OpenApiDocument Document { get; }

    /// <summary>Reads the document a front end serves at <see cref="Path"/>, through the given (unvalidated) handler.</summary>
    public static async Task<ApiDocument> Load(HttpMessageInvoker http, Uri origin, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(origin, Path));
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{origin} serves no OpenAPI document at {Path}: {(int)response.StatusCode}");
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var settings = new OpenApiReaderSettings();
        var (document, diagnostic) = await OpenApiDocument.LoadAsync(body, "json", settings, cancellationToken);
        if (document is null || diagnostic?.Errors.Count > 0)
        {
            var errors = diagnostic?.Errors.Select(error => $"{error.Pointer}: {error.Message}") ?? [];
            throw new InvalidOperationException($"The OpenAPI document of {origin} does not read: {string.Join("; ", errors)}");
        }

        return new ApiDocument(document);
    }

    /// <summary>The documented operation for a method and path, with the template it matched; null when none is documented.</summary>
    public (string Template, OpenApiOperation Operation, IOpenApiPathItem Item)? Find(HttpMethod method, string path)
    {
        var segments = Segments(path);
        foreach (var (template, templateSegments, item) in _paths)
        {
            // A path that matches a literal template without this method may still match a parameterised one that has it, as routing does.
            if (Matches(templateSegments, segments) && item.Operations?.TryGetValue(method, out var operation) == true)
            {
                return (template, operation, item);
            }
        }

        return null;
    }

    /// <summary>The path parameters a template binds in a path: {id} in /user/{id} against /user/42 gives id = 42.</summary>
    public static Dictionary<string, string> PathValues(string template, string path)
    {
        var values = new Dictionary<string, string>();
        foreach (var (name, value) in Segments(template).Zip(Segments(path)))
        {
            if (IsParameter(name))
            {
                values[name[1..^1]] = Uri.UnescapeDataString(value);
            }
        }

        return values;
    }

    private static bool Matches(string[] template, string[] path) =>
        template.Length == path.Length
        && template.Zip(path).All(pair => IsParameter(pair.First)
            ? pair.Second.Length > 0
            : string.Equals(pair.First, Uri.UnescapeDataString(pair.Second), StringComparison.OrdinalIgnoreCase));

    private static bool IsParameter(string segment) => segment.StartsWith('{') && segment.EndsWith('}');

    private static string[] Segments(string path) => path.Trim('/').Split('/');
}
