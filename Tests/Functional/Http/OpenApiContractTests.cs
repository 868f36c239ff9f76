using System.Net;
using System.Text.Json.Nodes;
using TestSupport.OpenApi;

namespace Tests.Http;

/// <summary>
/// The contract check that every HTTP test runs through can fail: each kind of difference between an
/// exchange and the front end's served document is reported, naming method, path, status and field.
/// Real answers of the real front ends are altered one field or status at a time.
/// </summary>
[Collection(FrontEnds.Name)]
public sealed class OpenApiContractTests(FrontEndsFixture api)
{
    [Fact]
    public async Task An_undocumented_status_is_reported()
    {
        var session = await api.SignUp();
        using var plain = Plain(api.Auth);
        var me = await plain.Send(HttpMethod.Get, "/auth/me", token: session.AccessToken);

        var violations = (await Check(api.Auth)).Check(await Seen(me, HttpMethod.Get, "/auth/me", status: 418));

        Assert.StartsWith("GET /auth/me → 418: status 418 is not documented for the operation (documented: 200, 401", Assert.Single(violations));
    }

    [Fact]
    public async Task A_real_answer_fits_and_a_missing_required_field_is_reported()
    {
        var session = await api.SignUp();
        using var plain = Plain(api.Auth);
        var me = await plain.Send(HttpMethod.Get, "/auth/me", token: session.AccessToken);
        var check = await Check(api.Auth);
        Assert.Empty(check.Check(await Seen(me, HttpMethod.Get, "/auth/me")));

        var body = JsonNode.Parse(await me.Content.ReadAsStringAsync())!.AsObject();
        body.Remove("email");

        Assert.Equal(
            ["GET /auth/me → 200: answer body.email: required by the document, missing"],
            check.Check(await Seen(me, HttpMethod.Get, "/auth/me", body: body.ToJsonString())));
    }

    [Fact]
    public async Task A_login_answer_that_fits_neither_documented_body_names_the_nearest_difference()
    {
        var email = ApiCalls.UniqueEmail();
        Assert.Equal(HttpStatusCode.Created, (await api.Users.Register(email)).StatusCode);
        using var plain = Plain(api.Auth);
        var login = await plain.Login(email, "correct horse battery");
        var check = await Check(api.Auth);
        Assert.Empty(check.Check(await Seen(login, HttpMethod.Post, "/auth/login")));

        var body = JsonNode.Parse(await login.Content.ReadAsStringAsync())!.AsObject();
        body.Remove("accessToken");

        Assert.Equal(
            ["POST /auth/login → 200: answer body: fits none of the documented oneOf schemas (nearest: $.accessToken: required by the document, missing)"],
            check.Check(await Seen(login, HttpMethod.Post, "/auth/login", body: body.ToJsonString())));
    }

    [Fact]
    public async Task An_undocumented_answer_field_is_reported()
    {
        var session = await api.SignUp();
        using var plain = Plain(api.Auth);
        var me = await plain.Send(HttpMethod.Get, "/auth/me", token: session.AccessToken);
        var body = JsonNode.Parse(await me.Content.ReadAsStringAsync())!.AsObject();
        body["isAdmin"] = true;

        Assert.Equal(
            ["GET /auth/me → 200: answer body.isAdmin: not in the document's schema"],
            (await Check(api.Auth)).Check(await Seen(me, HttpMethod.Get, "/auth/me", body: body.ToJsonString())));
    }

    [Fact]
    public async Task A_request_body_the_document_refuses_fails_the_call_that_sent_it()
    {
        var body = new { name = "Ada", email = ApiCalls.UniqueEmail(), password = "correct horse battery", isAdmin = true };

        var failure = await Assert.ThrowsAsync<OpenApiContractException>(() => api.Users.Send(HttpMethod.Post, "/user/create", body));

        Assert.Contains("POST /user/create → 400: request body.isAdmin: not in the document's schema (additionalProperties: false)", failure.Violations);
    }

    [Fact]
    public async Task A_request_marked_invalid_that_is_not_refused_fails_the_call()
    {
        var failure = await Assert.ThrowsAsync<OpenApiContractException>(async () =>
        {
            using (DeliberatelyInvalid.Requests())
            {
                await api.Users.Register(ApiCalls.UniqueEmail());
            }
        });

        Assert.Equal(["POST /user/create → 201: a request sent invalid on purpose was not refused with a 4xx"], failure.Violations);
    }

    [Fact]
    public async Task An_undocumented_operation_fails_the_call_and_a_marked_probe_of_one_is_a_problem()
    {
        var failure = await Assert.ThrowsAsync<OpenApiContractException>(() => api.Auth.Send(HttpMethod.Get, "/auth/nowhere"));
        Assert.Equal(["GET /auth/nowhere → 404: the operation is not in the document"], failure.Violations);

        using (DeliberatelyInvalid.Requests())
        {
            await (await api.Auth.Send(HttpMethod.Get, "/auth/nowhere")).AssertProblem(HttpStatusCode.NotFound);
        }
    }

    [Fact]
    public async Task An_undocumented_answer_header_is_reported()
    {
        var session = await api.SignUp();
        using var plain = Plain(api.Auth);
        var me = await plain.Send(HttpMethod.Get, "/auth/me", token: session.AccessToken);
        me.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(5));

        Assert.Equal(
            ["GET /auth/me → 200: answer header Retry-After: sent, not documented for status 200"],
            (await Check(api.Auth)).Check(await Seen(me, HttpMethod.Get, "/auth/me")));
    }

    // A client past the check, to get real answers the tests then alter.
    private static HttpClient Plain(HttpClient checkedClient) => new() { BaseAddress = checkedClient.BaseAddress };

    private static async Task<ExchangeCheck> Check(HttpClient frontEnd)
    {
        using var http = new HttpMessageInvoker(new SocketsHttpHandler());
        return new ExchangeCheck(await ApiDocument.Load(http, frontEnd.BaseAddress!, CancellationToken.None));
    }

    private static async Task<Exchange> Seen(HttpResponseMessage answer, HttpMethod method, string path, int? status = null, string? body = null)
    {
        var request = answer.RequestMessage!;
        return new Exchange(
            method,
            path,
            new Dictionary<string, string>(),
            request.Headers,
            request.Content?.Headers.ContentType,
            request.Content is null ? null : await request.Content.ReadAsStringAsync(),
            DeliberatelyInvalid: false,
            status ?? (int)answer.StatusCode,
            answer.Headers,
            answer.Content.Headers.ContentType,
            body ?? await answer.Content.ReadAsStringAsync());
    }
}
