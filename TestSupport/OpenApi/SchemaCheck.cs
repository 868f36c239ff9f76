using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.OpenApi;

namespace TestSupport.OpenApi;

/// <summary>
/// Checks a JSON value against an OpenAPI 3.1 schema as read by Microsoft.OpenApi: types (with null),
/// required and unknown properties, lengths, patterns, enums, numeric limits, items, allOf/anyOf/oneOf.
/// Formats are annotations in JSON Schema 2020-12 and are not checked.
/// </summary>
public static class SchemaCheck
{
    /// <summary>The differences, each as "field: what differs"; empty when the value fits.</summary>
    /// <param name="strict">
    /// Also refuse properties an object schema does not name (answers: an undocumented field is a
    /// contract change). Without it only <c>additionalProperties: false</c> refuses them (requests).
    /// </param>
    public static List<string> Check(JsonElement value, IOpenApiSchema schema, bool strict)
    {
        var problems = new List<string>();
        Check(value, schema, "$", strict, problems);
        return problems;
    }

    private static void Check(JsonElement value, IOpenApiSchema schema, string at, bool strict, List<string> problems)
    {
        if (!FitsType(value, schema.Type))
        {
            problems.Add($"{at}: is {Describe(value)}, the document says {Types(schema.Type)}");
            return;
        }

        if (schema.Enum is { Count: > 0 } allowed && !allowed.Any(node => node is not null && JsonElement.DeepEquals(value, JsonSerializer.SerializeToElement(node))))
        {
            problems.Add($"{at}: {Shorten(value)} is not one of the documented values [{string.Join(", ", allowed.Select(node => node?.ToJsonString()))}]");
        }

        if (schema.Const is { } constant && value.ValueKind == JsonValueKind.String && value.GetString() != constant)
        {
            problems.Add($"{at}: {Shorten(value)} is not the documented constant \"{constant}\"");
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                CheckString(value.GetString()!, schema, at, problems);
                break;
            case JsonValueKind.Number:
                CheckNumber(value.GetDouble(), schema, at, problems);
                break;
            case JsonValueKind.Array:
                CheckArray(value, schema, at, strict, problems);
                break;
            case JsonValueKind.Object:
                CheckObject(value, schema, at, strict, problems);
                break;
        }

        CheckComposition(value, schema, at, strict, problems);
    }

    private static void CheckString(string text, IOpenApiSchema schema, string at, List<string> problems)
    {
        var length = text.EnumerateRunes().Count();
        if (schema.MinLength is { } min && length < min)
        {
            problems.Add($"{at}: {length} characters, the document says minLength {min}");
        }

        if (schema.MaxLength is { } max && length > max)
        {
            problems.Add($"{at}: {length} characters, the document says maxLength {max}");
        }

        if (schema.Pattern is { } pattern && !Regex.IsMatch(text, pattern, RegexOptions.None, TimeSpan.FromSeconds(1)))
        {
            problems.Add($"{at}: does not match the documented pattern {pattern}");
        }
    }

    private static void CheckNumber(double number, IOpenApiSchema schema, string at, List<string> problems)
    {
        if (Limit(schema.Minimum) is { } min && number < min)
        {
            problems.Add($"{at}: {number} is below the documented minimum {min}");
        }

        if (Limit(schema.Maximum) is { } max && number > max)
        {
            problems.Add($"{at}: {number} is above the documented maximum {max}");
        }
    }

    private static void CheckArray(JsonElement array, IOpenApiSchema schema, string at, bool strict, List<string> problems)
    {
        var count = array.GetArrayLength();
        if (schema.MinItems is { } min && count < min)
        {
            problems.Add($"{at}: {count} items, the document says minItems {min}");
        }

        if (schema.MaxItems is { } max && count > max)
        {
            problems.Add($"{at}: {count} items, the document says maxItems {max}");
        }

        if (schema.Items is { } items)
        {
            var index = 0;
            foreach (var item in array.EnumerateArray())
            {
                Check(item, items, $"{at}[{index++}]", strict, problems);
            }
        }
    }

    private static void CheckObject(JsonElement value, IOpenApiSchema schema, string at, bool strict, List<string> problems)
    {
        foreach (var name in schema.Required ?? new HashSet<string>())
        {
            if (!value.TryGetProperty(name, out _))
            {
                problems.Add($"{at}.{name}: required by the document, missing");
            }
        }

        // Properties named by allOf members count as named here (a schema composed of parts).
        var named = NamedProperties(schema);
        foreach (var property in value.EnumerateObject())
        {
            if (schema.Properties?.TryGetValue(property.Name, out var propertySchema) == true)
            {
                Check(property.Value, propertySchema, $"{at}.{property.Name}", strict, problems);
            }
            else if (schema.AdditionalProperties is { } additional)
            {
                Check(property.Value, additional, $"{at}.{property.Name}", strict, problems);
            }
            else if (!named.Contains(property.Name) && (!schema.AdditionalPropertiesAllowed || (strict && !IsOpenMap(schema))))
            {
                problems.Add($"{at}.{property.Name}: not in the document's schema{(schema.AdditionalPropertiesAllowed ? "" : " (additionalProperties: false)")}");
            }
        }
    }

    private static void CheckComposition(JsonElement value, IOpenApiSchema schema, string at, bool strict, List<string> problems)
    {
        foreach (var part in schema.AllOf ?? [])
        {
            // An allOf member names only part of the properties: unknown ones are judged by the whole.
            Check(value, part, at, strict: false, problems);
        }

        if (schema.AnyOf is { Count: > 0 } anyOf && Options(value, anyOf, at, strict) is { } anyOfResults && anyOfResults.All(result => result.Count > 0))
        {
            problems.Add($"{at}: fits none of the documented anyOf schemas (nearest: {Nearest(anyOfResults)})");
        }

        if (schema.OneOf is { Count: > 0 } oneOf && Options(value, oneOf, at, strict) is { } oneOfResults)
        {
            var fitting = oneOfResults.Count(result => result.Count == 0);
            if (fitting == 0)
            {
                problems.Add($"{at}: fits none of the documented oneOf schemas (nearest: {Nearest(oneOfResults)})");
            }
            else if (fitting > 1)
            {
                problems.Add($"{at}: fits {fitting} of the documented oneOf schemas, not exactly one");
            }
        }
    }

    private static List<List<string>> Options(JsonElement value, IList<IOpenApiSchema> options, string at, bool strict) =>
        options.Select(option =>
        {
            var problems = new List<string>();
            Check(value, option, at, strict, problems);
            return problems;
        }).ToList();

    // The option with the fewest differences is most likely the one meant: its differences say what to fix.
    private static string Nearest(List<List<string>> results) => string.Join("; ", results.MinBy(result => result.Count)!);

    private static HashSet<string> NamedProperties(IOpenApiSchema schema)
    {
        var names = new HashSet<string>(schema.Properties?.Keys ?? []);
        foreach (var part in schema.AllOf ?? [])
        {
            names.UnionWith(NamedProperties(part));
        }

        return names;
    }

    // A schema that names no properties and composes none is a free-form object (a map), not a record.
    private static bool IsOpenMap(IOpenApiSchema schema) =>
        (schema.Properties is null || schema.Properties.Count == 0) && (schema.AllOf is null || schema.AllOf.Count == 0);

    private static bool FitsType(JsonElement value, JsonSchemaType? type)
    {
        if (type is not { } declared)
        {
            return true;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Null => declared.HasFlag(JsonSchemaType.Null),
            JsonValueKind.True or JsonValueKind.False => declared.HasFlag(JsonSchemaType.Boolean),
            JsonValueKind.String => declared.HasFlag(JsonSchemaType.String),
            JsonValueKind.Array => declared.HasFlag(JsonSchemaType.Array),
            JsonValueKind.Object => declared.HasFlag(JsonSchemaType.Object),
            JsonValueKind.Number => declared.HasFlag(JsonSchemaType.Number)
                || (declared.HasFlag(JsonSchemaType.Integer) && value.TryGetDecimal(out var number) && decimal.Truncate(number) == number),
            _ => false,
        };
    }

    private static double? Limit(string? limit) =>
        double.TryParse(limit, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number) ? number : null;

    private static string Types(JsonSchemaType? type) =>
        type is { } declared ? string.Join(" or ", declared.ToIdentifiers()) : "anything";

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Undefined => "absent",
        var kind => $"{(kind is JsonValueKind.Array or JsonValueKind.Object ? "an" : "a")} {kind.ToString().ToLowerInvariant()}",
    };

    // Values may be secrets (a password sent on purpose); only their shape is named, never their text.
    private static string Shorten(JsonElement value) => value.ValueKind == JsonValueKind.String ? $"a string of {value.GetString()!.Length} characters" : value.GetRawText();
}
