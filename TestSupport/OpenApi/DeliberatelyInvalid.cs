namespace TestSupport.OpenApi;

/// <summary>
/// Marks requests a test sends invalid on purpose (the bad-input tests): the contract check does not
/// count them as violations, but still holds their answers to the document, and wants a 4xx problem.
/// </summary>
public static class DeliberatelyInvalid
{
    private static readonly AsyncLocal<bool> Scope = new();

    /// <summary>The option that marks one request.</summary>
    public static readonly HttpRequestOptionsKey<bool> Option = new("OpenApi.DeliberatelyInvalid");

    /// <summary>Every request sent in this async flow until disposed is invalid on purpose.</summary>
    public static IDisposable Requests()
    {
        var outer = Scope.Value;
        Scope.Value = true;
        return new Restore(() => Scope.Value = outer);
    }

    public static HttpRequestMessage MarkInvalid(this HttpRequestMessage request)
    {
        request.Options.Set(Option, true);
        return request;
    }

    internal static bool Applies(HttpRequestMessage request) =>
        Scope.Value || (request.Options.TryGetValue(Option, out var marked) && marked);

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}
