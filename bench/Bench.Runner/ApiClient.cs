using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Bench.Runner;

public sealed record Account(Guid Id, string Email, string Password);

public sealed record Tokens(string AccessToken, string RefreshToken, Guid SessionId);

/// <summary>The calls the scenarios make, over one connection pool per front end.</summary>
public sealed class ApiClient : IDisposable
{
    public const string Password = "bench passphrase 0123456789";

    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly HttpClient _auth;
    private readonly HttpClient _users;

    public ApiClient(int authPort, int userPort)
    {
        _auth = Client(authPort);
        _users = Client(userPort);
    }

    public static HttpClient Client(int port) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        // A closed loop needs one connection per worker; the bound keeps a pass that outruns the server from opening
        // one per waiting request until the process runs out of file descriptors (the HttpClient open loop did, seen
        // as "Out of memory" at 25,000 requests/s, before it moved to PipelinedLoad).
        MaxConnectionsPerServer = 256,
    })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{port}"),
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>GET <paramref name="path"/>, read the whole body, and say whether it was 200.</summary>
    public static async Task<bool> GetOk(HttpClient client, string path, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(path, cancellationToken);
        await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return response.StatusCode == HttpStatusCode.OK;
    }

    public static string UniqueEmail(string purpose) => $"{purpose}-{Guid.NewGuid():N}@bench.example.com";

    public async Task<Account> Register(string purpose)
    {
        var email = UniqueEmail(purpose);
        using var response = await _users.SendAsync(Post("/user/create", new { name = "Bench User", email, password = Password }));
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"registration answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        using var body = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
        return new Account(body.RootElement.GetProperty("id").GetGuid(), email, Password);
    }

    /// <summary>Registers <paramref name="count"/> accounts, a few at a time (each one costs a hash on the user API).</summary>
    public async Task<List<Account>> RegisterMany(string purpose, int count)
    {
        var accounts = new List<Account>(count);
        foreach (var chunk in Enumerable.Range(0, count).Chunk(4))
        {
            accounts.AddRange(await Task.WhenAll(chunk.Select(_ => Register(purpose))));
        }

        return accounts;
    }

    /// <summary>POST /auth/login; the status, and the tokens when it succeeded.</summary>
    public Task<(HttpStatusCode Status, Tokens? Tokens)> Login(string email, string password, CancellationToken cancellationToken = default) =>
        PostForTokens("/auth/login", new { email, password }, cancellationToken);

    public async Task<Tokens> LoginOrThrow(Account account)
    {
        var (status, tokens) = await Login(account.Email, account.Password);
        return tokens ?? throw new InvalidOperationException($"login of {account.Email} answered {(int)status}");
    }

    /// <summary>POST /auth/refresh; the status, and the new pair when it succeeded.</summary>
    public Task<(HttpStatusCode Status, Tokens? Tokens)> Refresh(string refreshToken, CancellationToken cancellationToken = default) =>
        PostForTokens("/auth/refresh", new { refreshToken }, cancellationToken);

    // Login and refresh answer the same token pair.
    private async Task<(HttpStatusCode Status, Tokens? Tokens)> PostForTokens(string path, object request, CancellationToken cancellationToken)
    {
        using var response = await _auth.SendAsync(Post(path, request), cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            await response.Content.ReadAsByteArrayAsync(cancellationToken);
            return (response.StatusCode, null);
        }

        using var body = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken));
        var root = body.RootElement;
        return (response.StatusCode, new Tokens(
            root.GetProperty("accessToken").GetString()!,
            root.GetProperty("refreshToken").GetString()!,
            root.GetProperty("sessionId").GetGuid()));
    }

    public async Task<HttpStatusCode> Me(string accessToken, CancellationToken cancellationToken = default)
    {
        using var response = await _auth.SendAsync(Authorized(HttpMethod.Get, "/auth/me", accessToken), cancellationToken);
        await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return response.StatusCode;
    }

    public async Task<HttpStatusCode> Logout(string accessToken, CancellationToken cancellationToken = default)
    {
        using var response = await _auth.SendAsync(Authorized(HttpMethod.Post, "/auth/logout", accessToken), cancellationToken);
        return response.StatusCode;
    }

    /// <summary>GET /user/{id}: the status and the version its ETag names.</summary>
    public async Task<(HttpStatusCode Status, long Version)> GetUser(Guid id, string accessToken, CancellationToken cancellationToken = default)
    {
        using var response = await _users.SendAsync(Authorized(HttpMethod.Get, $"/user/{id}", accessToken), cancellationToken);
        await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return (response.StatusCode, VersionOf(response));
    }

    /// <summary>PUT /user/update/{id} with a new name, guarded by If-Match when a version is given; the status and the new version.</summary>
    public async Task<(HttpStatusCode Status, long Version)> Rename(Guid id, string accessToken, long? version, string name, CancellationToken cancellationToken = default)
    {
        var request = Authorized(HttpMethod.Put, $"/user/update/{id}", accessToken);
        if (version is { } expected)
        {
            request.Headers.TryAddWithoutValidation("If-Match", $"\"{expected}\"");
        }

        request.Content = Body(new { name });
        using var response = await _users.SendAsync(request, cancellationToken);
        await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return (response.StatusCode, VersionOf(response));
    }

    private static long VersionOf(HttpResponseMessage response) =>
        response.Headers.ETag is { } tag && long.TryParse(tag.Tag.Trim('"'), out var version) ? version : -1;

    private static HttpRequestMessage Post(string path, object body) => new(HttpMethod.Post, path) { Content = Body(body) };

    private static HttpRequestMessage Authorized(HttpMethod method, string path, string accessToken)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return request;
    }

    private static ByteArrayContent Body(object body)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(body)));
        content.Headers.ContentType = Json;
        return content;
    }

    public void Dispose()
    {
        _auth.Dispose();
        _users.Dispose();
    }
}
