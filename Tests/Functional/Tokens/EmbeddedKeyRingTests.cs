using System.Net;
using Microsoft.AspNetCore.Builder;
using Tests.Http;
using TestSupport.OpenApi;

namespace Tests.Tokens;

/// <summary>ES256 in the one-process mode: the ring in memory, sealed with a per-process key, no configuration beyond the algorithm.</summary>
public sealed class EmbeddedKeyRingTests : IAsyncLifetime
{
    private readonly int _authPort = FreePort.Next();
    private readonly int _userPort = FreePort.Next();
    private readonly LogCapture _logs = new();
    private WebApplication _app = null!;

    public async Task InitializeAsync() => _app = await Hosts.StartEmbedded(
        new Dictionary<string, string?>
        {
            ["JWT_ALGORITHM"] = "ES256",
            ["AUTH_PORT"] = _authPort.ToString(),
            ["USER_PORT"] = _userPort.ToString(),
            ["SILO_HTTP_PORT"] = FreePort.Next().ToString(),
            ["SILO_PORT"] = FreePort.Next().ToString(),
            ["GATEWAY_PORT"] = FreePort.Next().ToString(),
        },
        _logs);

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Tokens_are_signed_from_an_in_memory_ring_and_the_jwks_publishes_its_key()
    {
        using var auth = ContractCheckingHandler.Client(_authPort);
        using var users = ContractCheckingHandler.Client(_userPort);
        var email = ApiCalls.UniqueEmail();
        Assert.Equal(HttpStatusCode.Created, (await users.Register(email)).StatusCode);

        var token = (await (await auth.Login(email, "correct horse battery")).Json()).GetProperty("accessToken").GetString()!;
        var keys = (await (await auth.GetAsync("/.well-known/jwks.json")).Json()).GetProperty("keys").EnumerateArray().ToList();

        Assert.Equal("ES256", new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token).Alg);
        Assert.Equal(RingForge.Kid(token), Assert.Single(keys).GetProperty("kid").GetString());
        Assert.Equal(HttpStatusCode.OK, (await auth.Send(HttpMethod.Get, "/auth/me", token: token)).StatusCode);
        Assert.Contains(_logs.Lines, line => line.Contains("JWT_KEY_ENCRYPTION_KEY is not set", StringComparison.Ordinal));
    }
}
