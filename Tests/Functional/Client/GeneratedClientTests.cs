using Clients.Auth;
using Clients.Users;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware.Options;
using Tests.Http;
using TestSupport.OpenApi;
using AuthModels = Clients.Auth.Models;
using UserModels = Clients.Users.Models;

namespace Tests.Client;

/// <summary>
/// A C# client Kiota generated from docs/openapi (at build time) works against the real front ends: it
/// registers, logs in, reads /auth/me, updates with If-Match, and gets typed problem details on a 401
/// and a 412. Its calls also pass the contract check.
/// </summary>
[Collection(FrontEnds.Name)]
public sealed class GeneratedClientTests(FrontEndsFixture api) : IDisposable
{
    private readonly SessionTokenProvider _tokens = new();
    private readonly List<HttpClient> _clients = [];

    [Fact]
    public async Task A_generated_client_registers_logs_in_updates_with_if_match_and_reads_typed_problems()
    {
        var users = new UserClient(Adapter(api.Users));
        var auth = new AuthClient(Adapter(api.Auth));
        var email = ApiCalls.UniqueEmail();

        var versionOption = new HeadersInspectionHandlerOption { InspectResponseHeaders = true };
        var created = await users.User.Create.PostAsync(
            new UserModels.CreateUserRequest { Name = "Ada", Email = email, Password = "correct horse battery" },
            request => request.Options.Add(versionOption));
        var etag = Assert.Single(versionOption.ResponseHeaders["ETag"]);
        Assert.Equal("\"1\"", etag);
        var id = created!.Id!.Value;

        var login = await auth.Auth.Login.PostAsync(new AuthModels.LoginRequest { Email = email, Password = "correct horse battery" });
        Assert.Null(login!.MfaChallengeResponse);
        Assert.Equal("Bearer", login.TokenResponse!.TokenType);
        _tokens.AccessToken = login.TokenResponse.AccessToken;

        var me = await auth.Auth.Me.GetAsync();
        Assert.Equal(id, me!.Id);
        Assert.Equal(email, me.Email);

        var updated = await users.User.Update[id].PutAsync(
            new UserModels.UpdateUserRequest { Name = "Ada King" },
            request => request.Headers.Add("If-Match", etag));
        Assert.Equal("Ada King", updated!.Name);

        // The version named is now stale: a typed 412 with its code, and nothing changed.
        var stale = await Assert.ThrowsAsync<UserModels.ProblemDetails>(() => users.User.Update[id].PutAsync(
            new UserModels.UpdateUserRequest { Name = "Ada Byron" },
            request => request.Headers.Add("If-Match", etag)));
        Assert.Equal(412, stale.ResponseStatusCode);
        Assert.Equal("version_mismatch", stale.Code);
        Assert.Equal("Ada King", (await users.User[id].GetAsync())!.Name);

        // After logout the same token is refused: a typed 401 with its code.
        await auth.Auth.Logout.PostAsync();
        var refused = await Assert.ThrowsAsync<AuthModels.ProblemDetails>(() => auth.Auth.Me.GetAsync());
        Assert.Equal(401, refused.ResponseStatusCode);
        Assert.Equal("unauthenticated", refused.Code);
    }

    public void Dispose()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
    }

    // Kiota's own middleware (retry, redirect, headers inspection), over the contract check, over the socket.
    private HttpClientRequestAdapter Adapter(HttpClient frontEnd)
    {
        var http = KiotaClientFactory.Create(new ContractCheckingHandler(new SocketsHttpHandler()));
        _clients.Add(http);
        return new HttpClientRequestAdapter(new BaseBearerTokenAuthenticationProvider(_tokens), httpClient: http)
        {
            BaseUrl = frontEnd.BaseAddress!.ToString().TrimEnd('/'),
        };
    }
}
