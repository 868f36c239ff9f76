using System.Net;
using Microsoft.AspNetCore.Builder;

namespace Tests.Http;

/// <summary>
/// The OpenAPI documents each front end serves at /openapi/v1.json are the ones committed under docs/openapi,
/// so every change to the contract shows in review; the auth port's document is the Auth API's alone, the
/// user port's the User API's, and the dashboard is in neither.
/// </summary>
[Collection(FrontEnds.Name)]
public sealed class OpenApiDocumentTests(FrontEndsFixture api)
{
    private static readonly HashSet<string> AuthOperations =
    [
        "POST /auth/login", "POST /auth/refresh", "POST /auth/logout", "POST /auth/logout-all", "GET /auth/me",
        "GET /auth/sessions", "DELETE /auth/sessions/{id}", "POST /auth/introspect", "POST /auth/revoke",
        "POST /auth/password/forgot", "POST /auth/password/reset", "POST /auth/login/mfa",
        "POST /auth/mfa/totp", "POST /auth/mfa/totp/confirm", "DELETE /auth/mfa/totp",
        "GET /.well-known/jwks.json", "GET /.well-known/openid-configuration", "GET /.well-known/oauth-authorization-server",
    ];

    private static readonly HashSet<string> UserOperations =
    [
        "POST /user/create", "PUT /user/update/{id}", "GET /user/{id}", "DELETE /user/{id}", "GET /user",
        "POST /user/verify-email", "POST /user/verify-email/resend", "DELETE /user/{id}/mfa",
    ];

    private const string Regenerate = "UPDATE_OPENAPI=1 ./test.sh --filter OpenApiDocumentTests";

    [Fact]
    public async Task The_served_documents_are_the_committed_ones()
    {
        var drift = new List<string>();
        foreach (var (name, client) in new[] { ("auth", api.Auth), ("user", api.Users) })
        {
            var served = (await client.GetStringAsync("/openapi/v1.json")).ReplaceLineEndings("\n").TrimEnd() + "\n";
            var path = Committed(name);
            if (Environment.GetEnvironmentVariable("UPDATE_OPENAPI") == "1")
            {
                await File.WriteAllTextAsync(path, served);
                continue;
            }

            var committed = File.Exists(path) ? (await File.ReadAllTextAsync(path)).ReplaceLineEndings("\n") : "";
            if (committed != served)
            {
                drift.Add($"docs/openapi/{name}.json differs from what the {name} port serves; {FirstDifference(committed, served)}");
            }
        }

        Assert.True(
            drift.Count == 0,
            string.Join("\n", drift) + $"\nIf the API change is meant, regenerate the documents with `{Regenerate}` and commit them.");
    }

    [Fact]
    public async Task Each_port_serves_its_own_api_in_embedded_mode_too()
    {
        var (authPort, userPort) = (FreePort.Next(), FreePort.Next());
        var app = await StartEmbeddedWithDashboard(("AUTH_PORT", authPort.ToString()), ("USER_PORT", userPort.ToString()));
        try
        {
            await AssertEachPortServesItsOwnApi(authPort, userPort);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static async Task AssertEachPortServesItsOwnApi(int authPort, int userPort)
    {
        using var auth = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{authPort}") };
        using var users = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{userPort}") };

        var authDocument = await auth.GetStringAsync("/openapi/v1.json");
        var userDocument = await users.GetStringAsync("/openapi/v1.json");

        // One process, the same documents as the two processes of the production topology.
        Assert.Equal(await File.ReadAllTextAsync(Committed("auth")), authDocument.ReplaceLineEndings("\n").TrimEnd() + "\n");
        Assert.Equal(await File.ReadAllTextAsync(Committed("user")), userDocument.ReplaceLineEndings("\n").TrimEnd() + "\n");

        Assert.Equal(
            AuthOperations,
            Operations(authDocument));
        Assert.Equal(
            UserOperations,
            Operations(userDocument));

        // Scalar renders the document of the port it is opened on: its page names the document by a relative URL.
        foreach (var client in new[] { auth, users })
        {
            var page = await client.GetAsync("/scalar/v1");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("\"url\":\"openapi/v1.json\"", await page.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task With_the_ports_left_to_the_operator_one_document_lists_both_apis()
    {
        // ASPNETCORE_URLS: every route answers on every port this process listens on, so its one document has them all.
        var port = FreePort.Next();
        var app = await StartEmbeddedWithDashboard(("urls", $"http://127.0.0.1:{port}"));
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var document = await client.GetStringAsync("/openapi/v1.json");
            Assert.Equal([.. AuthOperations, .. UserOperations], Operations(document));
            using var json = System.Text.Json.JsonDocument.Parse(document);
            Assert.Equal("Auth and User API", json.RootElement.GetProperty("info").GetProperty("title").GetString());
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    // One process with its own silo ports and the dashboard on, so that its ~30 routes exist to be left out.
    private static Task<WebApplication> StartEmbeddedWithDashboard(params (string Key, string? Value)[] listening) =>
        Hosts.StartEmbedded(new Dictionary<string, string?>
        {
            ["SILO_HTTP_PORT"] = FreePort.Next().ToString(),
            ["SILO_PORT"] = FreePort.Next().ToString(),
            ["GATEWAY_PORT"] = FreePort.Next().ToString(),
            ["DASHBOARD_USERNAME"] = "operator",
            ["DASHBOARD_PASSWORD"] = "dashboard-password-for-tests",
        }.With(listening));

    private static string Committed(string name) => Path.Combine(RepositoryRoot.Path, "docs", "openapi", $"{name}.json");

    private static HashSet<string> Operations(string document)
    {
        using var json = System.Text.Json.JsonDocument.Parse(document);
        return json.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(operation => $"{operation.Name.ToUpperInvariant()} {path.Name}"))
            .ToHashSet();
    }

    private static string FirstDifference(string committed, string served)
    {
        var (a, b) = (committed.Split('\n'), served.Split('\n'));
        var line = 0;
        while (line < a.Length && line < b.Length && a[line] == b[line])
        {
            line++;
        }

        return $"first at line {line + 1}: committed `{(line < a.Length ? a[line].Trim() : "(end)")}`, served `{(line < b.Length ? b[line].Trim() : "(end)")}`";
    }
}
