using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using TestSupport.OpenApi;

namespace TestSupport;

/// <summary>The HTTP calls the tests make, as a client of the two APIs would make them.</summary>
public static class ApiCalls
{
    public static string UniqueEmail() => $"user-{Guid.NewGuid():N}@example.com";

    public static Task<HttpResponseMessage> Login(this HttpClient auth, string email, string password) =>
        auth.Send(HttpMethod.Post, "/auth/login", new { email, password });

    public static Task<HttpResponseMessage> Register(this HttpClient users, string email, string password = "correct horse battery", string name = "Ada Lovelace") =>
        users.Send(HttpMethod.Post, "/user/create", new { name, email, password });

    public static Task<HttpResponseMessage> Introspect(
        this HttpClient auth,
        string token,
        string clientId = ExternalServices.IntrospectionClientId,
        string clientSecret = ExternalServices.IntrospectionClientSecret)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/auth/introspect")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }),
        };
        request.Headers.Authorization = IntrospectionCredentials(clientId, clientSecret);
        return auth.SendAsync(request);
    }

    public static AuthenticationHeaderValue IntrospectionCredentials(
        string clientId = ExternalServices.IntrospectionClientId, string clientSecret = ExternalServices.IntrospectionClientSecret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(clientSecret)}")));

    public static Task<HttpResponseMessage> Send(
        this HttpClient client, HttpMethod method, string path, object? body = null, string? token = null, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> SendRaw(this HttpClient client, HttpMethod method, string path, string body, string contentType = "application/json", string? token = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {token}");
        }

        return client.SendAsync(request);
    }

    /// <summary>
    /// A body sent invalid on purpose (a bad-input test): the contract check does not count it against
    /// the document, and wants its answer to be a documented 4xx problem.
    /// </summary>
    public static async Task<HttpResponseMessage> SendInvalid(
        this HttpClient client, HttpMethod method, string path, string body, string contentType = "application/json", string? token = null)
    {
        using (DeliberatelyInvalid.Requests())
        {
            return await client.SendRaw(method, path, body, contentType, token);
        }
    }

    public static async Task<JsonElement> Json(this HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
}
