using System.Text.Json;
using Confluent.Kafka;
using Json.Schema;

namespace Tests.Kafka;

/// <summary>The published contract of a user-event record (README "Consuming user events"): the shipped JSON Schema and the CloudEvents headers.</summary>
public static class UserEventContract
{
    private static readonly Lazy<JsonSchema> Schema = new(() =>
        JsonSchema.FromText(File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "user-event.schema.json"))));

    /// <summary>Null when the value satisfies the schema (formats included), else what is wrong.</summary>
    public static string? SchemaViolations(string value)
    {
        using var document = JsonDocument.Parse(value);
        var result = Schema.Value.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        return result.IsValid
            ? null
            : string.Join("; ", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));
    }

    public static string Header(ConsumeResult<string, string> record, string name) =>
        record.Message.Headers.TryGetLastBytes(name, out var bytes) ? System.Text.Encoding.UTF8.GetString(bytes) : "<missing>";

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Orleans.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException("Orleans.sln not found above the test binaries");
    }
}
