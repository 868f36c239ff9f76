using System.Text.Json.Serialization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Api.OpenApi;

/// <summary>
/// Schemas as the serializer writes the answers: a member left out when null (RFC 7662's inactive answer, a JWK's
/// members of the other key type) is not required, and a number is a number. The framework's default allows a
/// number as a string too, for reading; no request of this API has a number, so that would only confuse clients.
/// </summary>
public sealed class WrittenShapes : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (schema.Type is { } type && type.HasFlag(JsonSchemaType.Integer) && type.HasFlag(JsonSchemaType.String))
        {
            schema.Type = type & ~JsonSchemaType.String;
            schema.Pattern = null;
        }

        if (context.JsonPropertyInfo is null && schema.Required is { Count: > 0 } required)
        {
            foreach (var property in context.JsonTypeInfo.Properties)
            {
                var ignore = property.AttributeProvider?.GetCustomAttributes(typeof(JsonIgnoreAttribute), inherit: true)
                    .OfType<JsonIgnoreAttribute>().FirstOrDefault();
                if (ignore?.Condition is JsonIgnoreCondition.WhenWritingNull or JsonIgnoreCondition.WhenWritingDefault)
                {
                    required.Remove(property.Name);
                }
            }
        }

        return Task.CompletedTask;
    }
}
