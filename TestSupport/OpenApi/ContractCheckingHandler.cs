using System.Net.Http.Json;
using System.Text;
using System.Web;

namespace TestSupport.OpenApi;

/// <summary>
/// Holds every request a test sends and every answer it gets to the OpenAPI document of the front end
/// it talks to, and throws <see cref="OpenApiContractException"/> at the first difference, so the test
/// that met an undocumented status or field fails on that call. The document is read once per client.
/// </summary>
public sealed class ContractCheckingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    /// <summary>Served beside the API but not part of it: the document itself, its reference page, health and metrics.</summary>
    private static readonly string[] OutsideTheContract = ["/openapi/", "/scalar", "/health/", "/metrics"];

    private readonly SemaphoreSlim _loading = new(1, 1);
    private ExchangeCheck? _check;

    /// <summary>A client of the front end at <paramref name="origin"/> whose exchanges are checked against its document.</summary>
    public static HttpClient Client(Uri origin, TimeSpan? timeout = null) =>
        new(new ContractCheckingHandler(new SocketsHttpHandler())) { BaseAddress = origin, Timeout = timeout ?? TimeSpan.FromSeconds(100) };

    /// <summary>The same for a front end on a loopback port.</summary>
    public static HttpClient Client(int port, TimeSpan? timeout = null) => Client(new Uri($"http://127.0.0.1:{port}"), timeout);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri!;
        if (OutsideTheContract.Any(prefix => uri.AbsolutePath.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)))
        {
            return await base.SendAsync(request, cancellationToken);
        }

        var check = await Check(new Uri(uri.GetLeftPart(UriPartial.Authority)), cancellationToken);
        var deliberatelyInvalid = DeliberatelyInvalid.Applies(request);
        var requestBody = await Inspectable(request.Content);
        var response = await base.SendAsync(request, cancellationToken);
        // Buffered, so the test still reads the body after the check has.
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var body = Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync(cancellationToken));
        var hasBody = body.Length > 0;

        var query = HttpUtility.ParseQueryString(uri.Query);
        var violations = check.Check(new Exchange(
            request.Method,
            uri.AbsolutePath,
            query.AllKeys.OfType<string>().ToDictionary(key => key, key => query[key] ?? ""),
            request.Headers,
            request.Content?.Headers.ContentType,
            requestBody,
            deliberatelyInvalid,
            (int)response.StatusCode,
            response.Headers,
            hasBody ? response.Content.Headers.ContentType : null,
            body));
        if (violations.Count > 0)
        {
            response.Dispose();
            throw new OpenApiContractException(violations);
        }

        return response;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _loading.Dispose();
        }

        base.Dispose(disposing);
    }

    private async Task<ExchangeCheck> Check(Uri origin, CancellationToken cancellationToken)
    {
        if (_check is { } loaded)
        {
            return loaded;
        }

        await _loading.WaitAsync(cancellationToken);
        try
        {
            // Read past this handler: fetching the document is not an exchange to check.
            using var direct = new HttpMessageInvoker(InnerHandler!, disposeHandler: false);
            return _check ??= new ExchangeCheck(await ApiDocument.Load(direct, origin, cancellationToken));
        }
        finally
        {
            _loading.Release();
        }
    }

    // Only bodies already in memory are read: a streamed or deliberately slow body must go out as the test wrote it.
    private static async Task<string?> Inspectable(HttpContent? content) => content switch
    {
        // As bytes: a charset the test names on purpose (bogus, utf-16) must not stop the request from going out.
        ByteArrayContent or JsonContent => Encoding.UTF8.GetString(await content.ReadAsByteArrayAsync()),
        _ => null,
    };
}
