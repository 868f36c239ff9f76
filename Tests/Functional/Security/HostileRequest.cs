namespace Tests.Security;

public enum FrontEnd
{
    Auth,
    Users,
}

/// <summary>One generated request of the hostile corpus, and what may legitimately refuse it.</summary>
public sealed record HostileRequest(string Kind, FrontEnd FrontEnd, string Method, string Path)
{
    public byte[]? Body { get; init; }

    /// <summary>Sent as given, unvalidated; null sends no Content-Type.</summary>
    public string? ContentType { get; init; }

    /// <summary>Send the body with Transfer-Encoding: chunked, so no Content-Length announces its size.</summary>
    public bool Chunked { get; init; }

    /// <summary>The raw Authorization value; <see cref="ValidTokenPlaceholder"/> stands for the corpus user's live token.</summary>
    public string? Authorization { get; init; }

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>
    /// Over a header or request-line limit, or with bytes a header may not hold: Kestrel itself may
    /// refuse it, before any middleware runs, with a bare 400, 414 or 431.
    /// </summary>
    public bool BeyondServerLimits { get; init; }

    /// <summary>The credentials a registration in the corpus carried, to prove afterwards that none can log in.</summary>
    public (string Email, string Password)? Registration { get; init; }

    public const string ValidTokenPlaceholder = "{valid-token}";

    public string Describe() =>
        $"{Kind}: {Method} {FrontEnd} {Truncate(Path)} ct={ContentType ?? "-"} auth={Truncate(Authorization ?? "-")} body={Truncate(Body is null ? "-" : System.Text.Encoding.UTF8.GetString(Body))}";

    private static string Truncate(string text) => text.Length > 120 ? $"{text[..120]}…({text.Length})" : text;
}
