using System.Net.Http.Headers;

namespace TestSupport.OpenApi;

/// <summary>What the validator sees of one request and its answer.</summary>
public sealed record Exchange(
    HttpMethod Method,
    string Path,
    IReadOnlyDictionary<string, string> Query,
    HttpHeaders RequestHeaders,
    MediaTypeHeaderValue? RequestContentType,
    string? RequestBody,
    bool DeliberatelyInvalid,
    int Status,
    HttpHeaders ResponseHeaders,
    MediaTypeHeaderValue? ContentType,
    string? Body);
