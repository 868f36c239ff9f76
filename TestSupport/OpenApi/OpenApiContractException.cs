namespace TestSupport.OpenApi;

/// <summary>A request or answer that differs from the front end's OpenAPI document; fails the test that sent it.</summary>
public sealed class OpenApiContractException(IReadOnlyList<string> violations)
    : Exception($"The API and its OpenAPI document differ:{Environment.NewLine}  {string.Join($"{Environment.NewLine}  ", violations)}")
{
    public IReadOnlyList<string> Violations { get; } = violations;
}
