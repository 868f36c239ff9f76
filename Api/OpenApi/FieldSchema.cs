using Microsoft.OpenApi;

namespace Api.OpenApi;

/// <summary>What the document says about one request field: whether it must be sent and the limits its validator enforces.</summary>
public sealed record FieldSchema(bool Required, int? MinLength = null, int? MaxLength = null, string? Format = null, string? Pattern = null)
{
    /// <summary>For arrays: the most items, and what each item must be.</summary>
    public int? MaxItems { get; init; }

    public FieldSchema? Items { get; init; }

    public void ApplyTo(OpenApiSchema schema)
    {
        // A required field must be a value; an optional one may also be sent as null, which the API reads as absent.
        var type = Items is null ? JsonSchemaType.String : JsonSchemaType.Array;
        schema.Type = Required ? type : type | JsonSchemaType.Null;
        schema.MinLength = MinLength;
        schema.MaxLength = MaxLength;
        schema.Format = Format;
        schema.Pattern = Pattern;
        schema.MaxItems = MaxItems;
        if (Items is not null)
        {
            var items = new OpenApiSchema();
            Items.ApplyTo(items);
            schema.Items = items;
        }
    }
}
