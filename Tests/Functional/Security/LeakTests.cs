using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Api.Http;
using Grains;
using Grains.Interfaces.Users;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Runtime;
using Orleans.Streams;
using Tests.Http;
using Tests.Infrastructure;
using TestSupport.OpenApi;

namespace Tests.Security;

/// <summary>
/// No secret leaves through logs, answers or user events; errors carry no internals; every answer
/// carries the security headers (docs/contract.md).
/// </summary>
[Collection(FrontEnds.Name)]
public sealed class LeakTests(FrontEndsFixture api)
{
    [Fact]
    public async Task A_full_flow_writes_no_password_token_or_hash_to_any_log()
    {
        using var client = await api.StartClusterClient();
        var flow = await FullFlow(grains: client.Services.GetRequiredService<IGrainFactory>());
        await client.StopAsync();
        Assert.Contains("password hash", flow.Secrets.Keys);

        var logs = api.Logs.Lines.ToList();

        // The capture works: the flow's own lines are there, at the levels the capture keeps.
        Assert.Contains(logs, l => l.Contains($"Login succeeded for user {flow.UserId}", StringComparison.Ordinal));
        Assert.Contains(logs, l => l.StartsWith("Debug Microsoft.AspNetCore", StringComparison.Ordinal));
        foreach (var secret in flow.Secrets)
        {
            var leaks = logs.Where(l => l.Contains(secret.Value, StringComparison.Ordinal)).ToList();
            Assert.True(leaks.Count == 0, $"the {secret.Key} appears in the logs: {leaks.FirstOrDefault()}");
        }

        Assert.DoesNotContain(logs, l => l.Contains("$argon2id$", StringComparison.Ordinal));
        Assert.DoesNotContain(logs, l => l.Contains(ExternalServices.JwtSecret, StringComparison.Ordinal));
        Assert.DoesNotContain(logs, l => l.Contains(ExternalServices.IntrospectionClientSecret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_full_flow_answers_and_publishes_no_password_or_hash()
    {
        using var client = await api.StartClusterClient();
        var events = new ConcurrentQueue<string>();
        var flow = await FullFlow(registered: async userId =>
        {
            var stream = client.Services.GetRequiredService<IClusterClient>()
                .GetStreamProvider(UserEventStream.Provider)
                .GetStream<string>(UserEventStream.Of(userId));
            await stream.SubscribeAsync((item, _) =>
            {
                events.Enqueue(item);
                return Task.CompletedTask;
            });
        });

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!events.Any(e => e.Contains(UserEvent.Deleted, StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        // The subscription starts right after registration, so "user.created" may or may not still be in flight.
        Assert.Equal(
            [UserEvent.Updated, UserEvent.PasswordChanged, UserEvent.Deleted],
            events.Select(e => UserEvent.FromJson(e).Type).Where(t => t != UserEvent.Created));
        var hashFree = new Dictionary<string, IEnumerable<string>> { ["answer"] = flow.Answers, ["user event"] = events };
        foreach (var (where, texts) in hashFree)
        {
            foreach (var text in texts.Where(t => t.Length > 0))
            {
                Assert.DoesNotContain("$argon2", text, StringComparison.Ordinal);
                var names = PropertyNames(JsonDocument.Parse(text).RootElement).ToList();
                Assert.True(!names.Any(n => n.Contains("hash", StringComparison.OrdinalIgnoreCase) || n.Contains("password", StringComparison.OrdinalIgnoreCase)), $"a {where} has a field {string.Join(", ", names)}");
                foreach (var password in flow.Secrets.Where(s => s.Key.Contains("password", StringComparison.Ordinal)))
                {
                    Assert.True(!text.Contains(password.Value, StringComparison.Ordinal), $"a {where} carries the {password.Key}");
                }
            }
        }

        await client.StopAsync();
    }

    [Fact]
    public async Task Error_answers_carry_no_stack_trace_type_name_or_path()
    {
        var user = await api.SignUp();
        var answers = new[]
        {
            await api.Users.SendInvalid(HttpMethod.Post, "/user/create", """{"name":"Ada","email":"""),
            await api.Users.SendInvalid(HttpMethod.Post, "/user/create", """{"name":42}"""),
            await api.Users.SendInvalid(HttpMethod.Post, "/user/create", """{"name":"Ada","isAdmin":true}"""),
            await api.Users.SendInvalid(HttpMethod.Post, "/user/create", "name=Ada", "text/plain"),
            await api.Users.SendInvalid(HttpMethod.Post, "/user/create", $$"""{"name":"{{new string('a', 70_000)}}"}"""),
            await api.Users.SendInvalid(HttpMethod.Post, "/user/create", "{}", "application/json; charset=bogus"),
            await api.Users.Register(user.Email),
            await api.Users.Send(HttpMethod.Put, $"/user/update/{user.UserId}", new { name = "x" }, user.AccessToken, ifMatch: "\"9\""),
            await api.Users.Send(HttpMethod.Get, $"/user/{Guid.NewGuid()}", token: user.AccessToken),
            await api.Users.Send(HttpMethod.Get, "/user/not-a-guid", token: user.AccessToken),
            await api.Auth.Send(HttpMethod.Get, "/auth/me", token: "eyJhbGciOiJIUzI1NiJ9.e30.x"),
            await api.Auth.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/auth/login").MarkInvalid()),
            await api.Auth.Login(user.Email, "wrong password"),
            await api.Auth.SendInvalid(HttpMethod.Post, "/auth/refresh", """{"refreshToken":[1,2]}"""),
        };

        foreach (var answer in answers)
        {
            var body = await answer.Content.ReadAsStringAsync();
            Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
            foreach (var tell in new[] { "   at ", "Exception", "System.", "Microsoft.", "Orleans", "Npgsql", ".cs:", "/work/", "StackTrace" })
            {
                Assert.True(!body.Contains(tell, StringComparison.Ordinal), $"{(int)answer.StatusCode} {answer.RequestMessage!.RequestUri} carries '{tell}': {body}");
            }
        }
    }

    [Fact]
    public async Task An_unexpected_failure_answers_500_without_its_message_or_stack_trace()
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var http = new DefaultHttpContext { RequestServices = services };
        http.Response.Body = new MemoryStream();
        var handler = new ApiExceptionHandler(services.GetRequiredService<IProblemDetailsService>(), NullLogger<ApiExceptionHandler>.Instance);

        var handled = await handler.TryHandleAsync(http, new InvalidOperationException("connection string Password=hunter2 at Npgsql"), CancellationToken.None);

        Assert.True(handled);
        Assert.Equal(StatusCodes.Status500InternalServerError, http.Response.StatusCode);
        http.Response.Body.Position = 0;
        var body = await new StreamReader(http.Response.Body).ReadToEndAsync();
        Assert.Equal("internal_error", JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
        Assert.DoesNotContain("hunter2", body, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", body, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_answer_of_both_front_ends_says_nosniff()
    {
        var user = await api.SignUp();
        var answers = new[]
        {
            await api.Auth.Login(user.Email, user.Password),
            await api.Auth.Login(user.Email, "wrong password"),
            await api.Auth.Send(HttpMethod.Get, "/auth/me", token: user.AccessToken),
            await api.Auth.Send(HttpMethod.Get, "/auth/me"),
            await api.Auth.SendAsync(new HttpRequestMessage(HttpMethod.Put, "/auth/me").MarkInvalid()),
            await api.Auth.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/nowhere").MarkInvalid()),
            await api.Auth.Send(HttpMethod.Get, "/health/live"),
            await api.Auth.Send(HttpMethod.Get, "/openapi/v1.json"),
            await api.Users.Send(HttpMethod.Get, $"/user/{user.UserId}", token: user.AccessToken),
            await api.Users.Register(ApiCalls.UniqueEmail()),
            await api.Users.SendInvalid(HttpMethod.Post, "/user/create", "{"),
            await api.Users.SendInvalid(HttpMethod.Post, "/user/create", $$"""{"name":"{{new string('a', 70_000)}}"}"""),
            await api.Users.Send(HttpMethod.Get, "/user", token: user.AccessToken),
            await api.Auth.Send(HttpMethod.Post, "/auth/logout", token: user.AccessToken),
        };

        foreach (var answer in answers)
        {
            Assert.True(
                answer.Headers.TryGetValues("X-Content-Type-Options", out var values) && values.Single() == "nosniff",
                $"{answer.RequestMessage!.Method} {answer.RequestMessage.RequestUri} ({(int)answer.StatusCode}) lacks nosniff");
        }
    }

    [Fact]
    public async Task Token_answers_are_never_cached()
    {
        var user = await api.SignUp();

        var login = await api.Auth.Login(user.Email, user.Password);
        var refresh = await api.Auth.Send(HttpMethod.Post, "/auth/refresh", new { refreshToken = user.RefreshToken });
        var introspect = await api.Auth.Introspect(user.AccessToken);

        foreach (var answer in new[] { login, refresh, introspect })
        {
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.True(answer.Headers.CacheControl?.NoStore, $"{answer.RequestMessage!.RequestUri} lacks Cache-Control: no-store");
        }
    }

    private static IEnumerable<string> PropertyNames(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => PropertyNames(p.Value).Prepend(p.Name)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(PropertyNames),
        _ => [],
    };

    private sealed record Flow(Guid UserId, Dictionary<string, string> Secrets, List<string> Answers);

    /// <summary>
    /// Register, log in, refresh, read, change the name and the password, fail a login, replay a rotated
    /// refresh token, log out and delete: every secret that passed through, and every answer body.
    /// </summary>
    private async Task<Flow> FullFlow(Func<Guid, Task>? registered = null, IGrainFactory? grains = null)
    {
        var secrets = new Dictionary<string, string>
        {
            ["password"] = $"first secret {Guid.NewGuid():N}",
            ["new password"] = $"second secret {Guid.NewGuid():N}",
            ["wrong password"] = $"wrong secret {Guid.NewGuid():N}",
        };
        var answers = new List<string>();
        async Task<JsonElement> Keep(HttpResponseMessage response)
        {
            var body = await response.Content.ReadAsStringAsync();
            answers.Add(body);
            return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement;
        }

        var email = ApiCalls.UniqueEmail();
        var user = await Keep(await api.Users.Register(email, secrets["password"]));
        var id = user.GetProperty("id").GetGuid();
        if (registered is not null)
        {
            await registered(id);
        }

        var login = await Keep(await api.Auth.Login(email, secrets["password"]));
        secrets["access token"] = login.GetProperty("accessToken").GetString()!;
        secrets["refresh token"] = login.GetProperty("refreshToken").GetString()!;
        var rotated = await Keep(await api.Auth.Send(HttpMethod.Post, "/auth/refresh", new { refreshToken = secrets["refresh token"] }));
        secrets["rotated access token"] = rotated.GetProperty("accessToken").GetString()!;
        secrets["rotated refresh token"] = rotated.GetProperty("refreshToken").GetString()!;
        var access = secrets["rotated access token"];

        await Keep(await api.Auth.Send(HttpMethod.Get, "/auth/me", token: access));
        await Keep(await api.Auth.Send(HttpMethod.Get, "/auth/sessions", token: access));
        await Keep(await api.Auth.Introspect(access));
        await Keep(await api.Users.Send(HttpMethod.Get, $"/user/{id}", token: access));
        await Keep(await api.Users.Send(HttpMethod.Put, $"/user/update/{id}", new { name = "Renamed" }, access));
        var changed = await api.Users.Send(HttpMethod.Put, $"/user/update/{id}", new { password = secrets["new password"], currentPassword = secrets["password"] }, access);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        await Keep(changed);
        if (grains is not null)
        {
            // The stored hash, read the way the front end reads it; a success report resets the guess count again.
            var stored = grains.GetGrain<IUserGrain>(id);
            secrets["password hash"] = (await stored.BeginPasswordCheck()).PasswordHash!;
            await stored.CompletePasswordCheck(succeeded: true, rehashed: null);
            secrets["password hash digest"] = secrets["password hash"].Split('$')[^1];
        }

        await Keep(await api.Auth.Login(email, secrets["wrong password"]));
        await SignIn("second");
        await SignIn("third");

        // The first session's rotated-away refresh token comes back: reuse detection ends that session.
        await Keep(await api.Auth.Send(HttpMethod.Post, "/auth/refresh", new { refreshToken = secrets["refresh token"] }));
        Assert.Equal(HttpStatusCode.NoContent, (await api.Auth.Send(HttpMethod.Post, "/auth/logout", token: secrets["second access token"])).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await api.Users.Send(HttpMethod.Delete, $"/user/{id}", new { currentPassword = secrets["new password"] }, secrets["third access token"])).StatusCode);

        // A token is as good as its signature: its third part must not be logged on its own either.
        foreach (var token in new[] { "access token", "rotated access token", "second access token", "third access token" })
        {
            secrets[$"{token} signature"] = secrets[token].Split('.')[2];
        }

        // A refresh token's secret half, after the session id that routes it.
        foreach (var token in new[] { "refresh token", "rotated refresh token", "second refresh token", "third refresh token" })
        {
            secrets[$"{token} secret"] = secrets[token].Split('.')[1];
        }

        return new Flow(id, secrets, answers);

        async Task SignIn(string which)
        {
            var tokens = await Keep(await api.Auth.Login(email, secrets["new password"]));
            secrets[$"{which} access token"] = tokens.GetProperty("accessToken").GetString()!;
            secrets[$"{which} refresh token"] = tokens.GetProperty("refreshToken").GetString()!;
        }
    }
}
