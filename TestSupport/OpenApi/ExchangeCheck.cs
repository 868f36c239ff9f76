using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.OpenApi;

namespace TestSupport.OpenApi;

/// <summary>
/// One request and its answer held against a front end's document: the operation exists, the request
/// carries what it requires and its body fits, the answer's status, content type, headers and body are
/// the documented ones. Each difference names method, path, status and field.
/// </summary>
public sealed class ExchangeCheck(ApiDocument document)
{
    /// <summary>Headers the API writes that a client acts on: each one it answers with must be documented there.</summary>
    private static readonly string[] ContractHeaders = ["ETag", "Retry-After", "Location"];

    /// <summary>The statuses Kestrel answers itself, bodiless, before the application sees the request.</summary>
    private static readonly int[] KestrelRefusals = [400, 413, 414, 431];

    public List<string> Check(Exchange exchange)
    {
        var problems = new List<string>();
        var match = document.Find(exchange.Method, exchange.Path);
        if (exchange.DeliberatelyInvalid)
        {
            CheckRefusal(exchange, problems);
        }
        else if (match is null)
        {
            problems.Add("the operation is not in the document");
        }
        else
        {
            CheckRequest(exchange, match.Value.Template, match.Value.Operation, match.Value.Item, problems);
        }

        // Kestrel refused it before routing: no operation ran, so no operation's answers apply.
        var refusedByServer = exchange.DeliberatelyInvalid && exchange.ContentType is null && KestrelRefusals.Contains(exchange.Status);
        if (match is { } found && !refusedByServer)
        {
            CheckAnswer(exchange, found.Operation, problems);
        }

        var operation = match is { } named ? named.Template : exchange.Path;
        return problems.Select(problem => $"{exchange.Method} {operation} → {exchange.Status}: {problem}").ToList();
    }

    // A request sent bad on purpose is not checked, but its answer must be a refusal a client can read.
    private static void CheckRefusal(Exchange exchange, List<string> problems)
    {
        if (exchange.Status is < 400 or > 499)
        {
            problems.Add("a request sent invalid on purpose was not refused with a 4xx");
        }
        else if (exchange.ContentType is null && KestrelRefusals.Contains(exchange.Status))
        {
            // Refused by the server before the application runs (request line, headers, framing): no body to check.
        }
        else if (exchange.ContentType?.MediaType != "application/problem+json")
        {
            problems.Add($"the refusal is {exchange.ContentType?.MediaType ?? "bodiless"}, not application/problem+json");
        }
        else if (!Json(exchange.Body, out var body) || body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("code", out _))
        {
            problems.Add("the refusal's problem details carry no code");
        }
    }

    private static void CheckRequest(Exchange exchange, string template, OpenApiOperation operation, IOpenApiPathItem item, List<string> problems)
    {
        var pathValues = ApiDocument.PathValues(template, exchange.Path);
        foreach (var parameter in (item.Parameters ?? []).Concat(operation.Parameters ?? []))
        {
            var value = parameter.In switch
            {
                ParameterLocation.Path => pathValues.GetValueOrDefault(parameter.Name ?? ""),
                ParameterLocation.Query => exchange.Query.GetValueOrDefault(parameter.Name ?? ""),
                ParameterLocation.Header => exchange.RequestHeaders.TryGetValues(parameter.Name ?? "", out var values) ? string.Join(", ", values) : null,
                _ => null,
            };
            if (value is null)
            {
                if (parameter.Required && parameter.In != ParameterLocation.Cookie)
                {
                    problems.Add($"request {parameter.In} parameter {parameter.Name}: required by the document, missing");
                }
            }
            else if (parameter.Schema is { } schema)
            {
                problems.AddRange(SchemaCheck.Check(AsJson(value, schema), schema, strict: false)
                    .Select(problem => $"request {parameter.In} parameter {parameter.Name}{problem[1..]}"));
            }
        }

        var body = operation.RequestBody;
        if (exchange.RequestContentType is not { } contentType)
        {
            if (body?.Required == true)
            {
                problems.Add("request body: required by the document, missing");
            }

            return;
        }

        if (body?.Content is not { } content)
        {
            problems.Add($"request body: the operation takes none, {contentType.MediaType} was sent");
            return;
        }

        if (!content.TryGetValue(contentType.MediaType ?? "", out var media))
        {
            problems.Add($"request body: {contentType.MediaType} is not a documented content type ({string.Join(", ", content.Keys)})");
            return;
        }

        if (exchange.RequestBody is not { } text || media.Schema is not { } bodySchema)
        {
            return;
        }

        if (contentType.MediaType == "application/x-www-form-urlencoded")
        {
            problems.AddRange(SchemaCheck.Check(Form(text), bodySchema, strict: false).Select(problem => $"request body{problem[1..]}"));
        }
        else if (!Json(text, out var json))
        {
            problems.Add("request body: not JSON");
        }
        else
        {
            problems.AddRange(SchemaCheck.Check(json, bodySchema, strict: false).Select(problem => $"request body{problem[1..]}"));
        }
    }

    private static void CheckAnswer(Exchange exchange, OpenApiOperation operation, List<string> problems)
    {
        var status = exchange.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var responses = operation.Responses ?? [];
        if (!responses.TryGetValue(status, out var response) && !responses.TryGetValue($"{status[0]}XX", out response) && !responses.TryGetValue("default", out response))
        {
            problems.Add($"status {status} is not documented for the operation (documented: {string.Join(", ", responses.Keys)})");
            return;
        }

        foreach (var header in ContractHeaders)
        {
            if (exchange.ResponseHeaders.Contains(header) && response.Headers?.ContainsKey(header) != true
                && response.Headers?.Keys.Any(name => name.Equals(header, StringComparison.OrdinalIgnoreCase)) != true)
            {
                problems.Add($"answer header {header}: sent, not documented for status {status}");
            }
        }

        foreach (var (name, header) in response.Headers ?? new Dictionary<string, IOpenApiHeader>())
        {
            if (header.Required && !exchange.ResponseHeaders.Contains(name))
            {
                problems.Add($"answer header {name}: required by the document, missing");
            }
        }

        if (exchange.ContentType is not { } contentType)
        {
            return;
        }

        if (response.Content is not { Count: > 0 } content)
        {
            problems.Add($"answer body: {contentType.MediaType} was sent, the document describes no body");
            return;
        }

        if (!content.TryGetValue(contentType.MediaType ?? "", out var media))
        {
            problems.Add($"answer body: {contentType.MediaType} is not a documented content type ({string.Join(", ", content.Keys)})");
            return;
        }

        if (media.Schema is not { } schema || !IsJson(contentType.MediaType))
        {
            return;
        }

        if (!Json(exchange.Body, out var json))
        {
            problems.Add("answer body: not JSON");
            return;
        }

        problems.AddRange(SchemaCheck.Check(json, schema, strict: true).Select(problem => $"answer body{problem[1..]}"));
    }

    private static bool IsJson(string? mediaType) =>
        mediaType is not null && (mediaType == "application/json" || mediaType.EndsWith("+json", StringComparison.Ordinal));

    private static bool Json(string? text, out JsonElement json)
    {
        json = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        try
        {
            json = JsonDocument.Parse(text).RootElement;
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    // A parameter arrives as text: read as the JSON value its schema's type asks for, so "42" fits an integer.
    private static JsonElement AsJson(string value, IOpenApiSchema schema)
    {
        var type = schema.Type ?? JsonSchemaType.String;
        if (!type.HasFlag(JsonSchemaType.String) && (type.HasFlag(JsonSchemaType.Integer) || type.HasFlag(JsonSchemaType.Number) || type.HasFlag(JsonSchemaType.Boolean))
            && Json(value, out var parsed))
        {
            return parsed;
        }

        return JsonSerializer.SerializeToElement(value);
    }

    private static JsonElement Form(string text) => JsonSerializer.SerializeToElement(
        text.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(pair => Uri.UnescapeDataString(pair[0].Replace('+', ' ')), pair => Uri.UnescapeDataString(pair.ElementAtOrDefault(1)?.Replace('+', ' ') ?? "")));
}
