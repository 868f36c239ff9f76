using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Api.Hosting;
using Tests.Http;
using TestSupport.OpenApi;

namespace Tests.Security;

/// <summary>
/// The explicit request limits (body 64 KiB, JSON depth 16, headers 16 KiB and 50 of them, request line
/// 8 KiB), and regressions for what the hostile corpus found.
/// </summary>
[Collection(FrontEnds.Name)]
public sealed class RequestLimitTests(FrontEndsFixture api)
{
    public static TheoryData<string, string, string> JsonRoutes => new()
    {
        { "auth", "/auth/login", "password" },
        { "auth", "/auth/refresh", "refreshToken" },
        { "auth", "/auth/revoke", "token" },
        { "users", "/user/create", "name" },
    };

    [Theory]
    [MemberData(nameof(JsonRoutes))]
    public async Task A_body_over_64_KiB_is_413_with_or_without_a_content_length(string frontEnd, string path, string field)
    {
        var client = frontEnd == "auth" ? api.Auth : api.Users;

        // A field the route knows, so that only the size is wrong.
        var body = Encoding.UTF8.GetBytes($$"""{"{{field}}":"{{new string('a', (int)ApiHost.MaxRequestBodyBytes)}}"}""");

        foreach (var chunked in new[] { false, true })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(body, chunked) };

            var response = await client.SendAsync(request.MarkInvalid());

            await response.AssertProblem(HttpStatusCode.RequestEntityTooLarge);
        }
    }

    [Fact]
    public async Task A_body_of_exactly_64_KiB_is_read()
    {
        var login = $$"""{"email":"{{ApiCalls.UniqueEmail()}}","password":"not the password"}""";
        var padded = login + new string(' ', (int)ApiHost.MaxRequestBodyBytes - Encoding.UTF8.GetByteCount(login));

        var response = await api.Auth.SendRaw(HttpMethod.Post, "/auth/login", padded);

        Assert.Equal(ApiHost.MaxRequestBodyBytes, Encoding.UTF8.GetByteCount(padded));
        await response.AssertProblem(HttpStatusCode.Unauthorized, "invalid_credentials");
    }

    [Theory]
    [InlineData(ApiHost.MaxJsonDepth + 1)]
    [InlineData(30_000)]
    public async Task Json_nested_past_the_depth_limit_is_400_on_every_json_route(int depth)
    {
        var nested = new string('[', depth) + new string(']', depth);
        var user = await api.SignUp();

        foreach (var (client, method, path, field) in new[]
                 {
                     (api.Auth, HttpMethod.Post, "/auth/login", "email"),
                     (api.Auth, HttpMethod.Post, "/auth/refresh", "refreshToken"),
                     (api.Auth, HttpMethod.Post, "/auth/revoke", "token"),
                     (api.Users, HttpMethod.Post, "/user/create", "name"),
                     (api.Users, HttpMethod.Put, $"/user/update/{user.UserId}", "name"),
                 })
        {
            var response = await client.SendInvalid(method, path, $$"""{"{{field}}":{{nested}}}""", token: user.AccessToken);

            await response.AssertProblem(HttpStatusCode.BadRequest, "malformed_body");
        }
    }

    [Fact]
    public async Task Headers_over_16_KiB_are_refused_with_431_and_headers_just_under_reach_the_api()
    {
        foreach (var (client, path) in new[] { (api.Auth, "/auth/me"), (api.Users, $"/user/{Guid.NewGuid()}") })
        {
            var over = await SendWithHeader(client, path, "X-Padding", new string('h', ApiHost.MaxRequestHeaderBytes), invalid: true);
            var under = await SendWithHeader(client, path, "X-Padding", new string('h', ApiHost.MaxRequestHeaderBytes - 1024));

            Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, over.StatusCode);
            await under.AssertProblem(HttpStatusCode.Unauthorized);
        }
    }

    [Fact]
    public async Task More_than_50_headers_are_refused_with_431()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/auth/me");
        for (var i = 0; i < ApiHost.MaxRequestHeaderCount + 1; i++)
        {
            request.Headers.TryAddWithoutValidation($"X-H{i}", "v");
        }

        var response = await api.Auth.SendAsync(request.MarkInvalid());

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task A_request_line_over_8_KiB_is_refused_with_414()
    {
        using var tooLong = DeliberatelyInvalid.Requests();
        foreach (var client in new[] { api.Auth, api.Users })
        {
            var response = await client.GetAsync($"/user?email={new string('a', ApiHost.MaxRequestLineBytes)}");

            Assert.Equal(HttpStatusCode.RequestUriTooLong, response.StatusCode);
        }
    }

    [Fact]
    public async Task After_a_body_over_the_limit_that_was_never_read_the_next_request_on_the_connection_is_answered()
    {
        var user = await api.SignUp();
        int[] overshoots = [1, 10_000, 200_000];

        // The drop itself is a race that shows under load (the hostile corpus lost 20 of 2,400 answers to it
        // before the fix); what makes it impossible is the "Connection: close" asserted here. Several clients
        // at once, as behind a pooling proxy.
        await Parallel.ForEachAsync(Enumerable.Range(0, 8), async (_, _) =>
        {
            // One connection per client: the second request can only go where the first one went.
            using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = api.Users.BaseAddress };
            for (var i = 0; i < 12; i++)
            {
                // These routes read no body; they answer after a grain call, when the client has sent it all.
                var path = i % 2 == 0 ? "/user" : $"/user/{user.UserId}";
                var oversized = Encoding.UTF8.GetBytes(new string(' ', (int)ApiHost.MaxRequestBodyBytes + overshoots[i % 3]));
                using var first = new HttpRequestMessage(HttpMethod.Get, path) { Content = Json(oversized, chunked: i % 4 < 2) };
                first.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.AccessToken);
                var answer = await client.SendAsync(first);
                var next = await client.Send(HttpMethod.Get, $"/user/{user.UserId}", token: user.AccessToken);

                Assert.True(answer.Headers.ConnectionClose, $"{path} ({(int)answer.StatusCode}) keeps a connection Kestrel is about to drop");
                Assert.Equal(HttpStatusCode.OK, next.StatusCode);
            }
        });
    }

    [Theory]
    [InlineData("application/json; charset=bogus")]
    [InlineData("application/json; charset=\"utf-8\"")]
    [InlineData("application/json; charset=utf-16")]
    [InlineData("application/json; charset=iso-8859-1")]
    public async Task A_json_body_in_another_charset_is_415_not_500(string contentType)
    {
        var login = await api.Auth.SendInvalid(HttpMethod.Post, "/auth/login", """{"email":"a@example.com","password":"whatever pass"}""", contentType);
        var register = await api.Users.SendInvalid(HttpMethod.Post, "/user/create", """{"name":"A","email":"a@example.com","password":"correct horse battery"}""", contentType);

        await login.AssertProblem(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        await register.AssertProblem(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task A_json_body_in_utf8_with_the_charset_spelled_out_is_read()
    {
        var response = await api.Auth.SendRaw(HttpMethod.Post, "/auth/login", """{"email":"a@example.com","password":"whatever pass"}""", "application/json; charset=UTF-8");

        await response.AssertProblem(HttpStatusCode.Unauthorized, "invalid_credentials");
    }

    [Theory]
    [InlineData("ad\\u0000min@example.com")]
    [InlineData("admin@example.com\\u0000")]
    [InlineData("ad\\u001bmin@example.com")]
    [InlineData("not an email")]
    public async Task A_login_email_that_registration_would_refuse_is_400_not_500(string escapedEmail)
    {
        var response = await api.Auth.SendInvalid(HttpMethod.Post, "/auth/login", $$"""{"email":"{{escapedEmail}}","password":"whatever pass"}""");

        var problem = await response.AssertProblem(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("email", out _));
    }

    private static async Task<HttpResponseMessage> SendWithHeader(HttpClient client, string path, string name, string value, bool invalid = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Options.Set(DeliberatelyInvalid.Option, invalid);
        request.Headers.TryAddWithoutValidation(name, value);
        return await client.SendAsync(request);
    }

    private static HttpContent Json(byte[] body, bool chunked)
    {
        HttpContent content = chunked ? new ChunkedContent(body) : new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }
}
