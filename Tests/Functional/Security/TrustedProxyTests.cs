using System.Net;
using System.Net.Http.Json;
using Tests.Http;
using Tests.Infrastructure;
using TestSupport.OpenApi;

namespace Tests.Security;

/// <summary>Per-client limits behind a proxy (TRUSTED_PROXIES) and for IPv6 clients, with a limit of two a minute.</summary>
[Collection(FrontEnds.Name)]
public sealed class TrustedProxyTests(FrontEndsFixture api)
{
    [Fact]
    public async Task Behind_a_trusted_proxy_each_client_has_its_own_bucket_and_an_ipv6_client_one_per_64()
    {
        await WithUserFrontEnd([("TRUSTED_PROXIES", "127.0.0.1, ::1")], async users =>
        {
            Assert.Equal(new[] { 201, 201, 429 }, await Registrations(users, "203.0.113.7", "203.0.113.7", "203.0.113.7"));
            Assert.Equal(new[] { 201 }, await Registrations(users, "203.0.113.8"));

            // One /64 is one bucket, however the client varies the rest; the next /64 is another.
            Assert.Equal(new[] { 201, 201, 429 }, await Registrations(users, "2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff:ffff:ffff:ffff"));
            Assert.Equal(new[] { 201 }, await Registrations(users, "2001:db8:1:3::1"));
        });
    }

    [Fact]
    public async Task Without_trusted_proxies_a_forwarded_address_is_ignored()
    {
        await WithUserFrontEnd([], async users =>
            Assert.Equal(new[] { 201, 201, 429 }, await Registrations(users, "203.0.113.7", "203.0.113.8", "203.0.113.9")));
    }

    private async Task WithUserFrontEnd((string, string?)[] settings, Func<HttpClient, Task> test)
    {
        var port = FreePort.Next();
        var frontEnd = await api.StartUserFrontEnd(new LogCapture(), [("USER_PORT", port.ToString()), ("CLIENT_RATE_LIMIT", "2"), .. settings]);
        try
        {
            using var users = ContractCheckingHandler.Client(port);
            await test(users);
        }
        finally
        {
            await frontEnd.StopAsync();
            await frontEnd.DisposeAsync();
        }
    }

    private static async Task<int[]> Registrations(HttpClient users, params string[] forwardedFor)
    {
        var statuses = new List<int>();
        foreach (var client in forwardedFor)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/user/create")
            {
                Content = JsonContent.Create(new { name = "Ada", email = ApiCalls.UniqueEmail(), password = "correct horse battery" }),
            };
            request.Headers.Add("X-Forwarded-For", client);
            statuses.Add((int)(await users.SendAsync(request)).StatusCode);
        }

        return [.. statuses];
    }
}
