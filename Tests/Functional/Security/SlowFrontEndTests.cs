using System.Collections.Concurrent;
using System.Net;
using Grains.Interfaces;
using StackExchange.Redis;
using Api.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Tests.Http;
using TestSupport.OpenApi;

namespace Tests.Security;

/// <summary>
/// A logout or a user write answers only once every front end dropped its copy. The window is widened the way a
/// busy network or a stalled process widens it: one user front end reads Redis through a relay that hands it
/// everything <see cref="Lag"/> late, so its copies outlive the announcement by that long unless the announcing
/// grain waits for its receipt. It is an auth front end, as `/auth/me` answers from both copies: the session's
/// check and the user.
/// </summary>
[Collection(FrontEnds.Name)]
public sealed class SlowFrontEndTests(FrontEndsFixture api) : IAsyncLifetime
{
    private static readonly TimeSpan Lag = TimeSpan.FromMilliseconds(400);

    private readonly DelayingProxy _redis = new(ExternalServices.RedisHost, int.Parse(ExternalServices.RedisPort), Lag);
    private WebApplication _slow = null!;
    private HttpClient _slowAuth = null!;

    public async Task InitializeAsync()
    {
        var port = FreePort.Next();
        _slow = await api.StartAuthFrontEnd(
            new LogCapture(), ("AUTH_PORT", port.ToString()), ("REDIS_HOST", "127.0.0.1"), ("REDIS_PORT", _redis.Port.ToString()));
        _slowAuth = ContractCheckingHandler.Client(port);
        // Copies are used only once the front end's own probe came back through the slow subscription.
        var cache = _slow.Services.GetRequiredService<FrontEndCache>();
        Assert.True(await Poll.Until(() => Task.FromResult(cache.Trusted), trusted => trusted));
    }

    [Fact]
    public async Task A_logout_is_refused_by_a_lagging_front_end_on_the_very_next_request()
    {
        for (var trial = 0; trial < 3; trial++)
        {
            var session = await api.SignUp();
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await _slowAuth.Send(HttpMethod.Get, "/auth/me", token: session.AccessToken)).StatusCode);
            }

            Assert.Equal(HttpStatusCode.NoContent, (await api.Auth.Send(HttpMethod.Post, "/auth/logout", token: session.AccessToken)).StatusCode);

            await (await _slowAuth.Send(HttpMethod.Get, "/auth/me", token: session.AccessToken)).AssertProblem(HttpStatusCode.Unauthorized);
        }
    }

    [Fact]
    public async Task A_rename_shows_in_me_on_a_lagging_front_end_on_the_very_next_request()
    {
        var session = await api.SignUp();
        for (var i = 0; i < 3; i++)
        {
            var me = await _slowAuth.Send(HttpMethod.Get, "/auth/me", token: session.AccessToken);
            Assert.Equal("Ada Lovelace", (await me.Json()).GetProperty("name").GetString());
        }

        var current = await api.Users.Send(HttpMethod.Get, $"/user/{session.UserId}", token: session.AccessToken);
        var renamed = await api.Users.Send(
            HttpMethod.Put, $"/user/update/{session.UserId}", new { name = "Countess of Lovelace" }, session.AccessToken, current.Headers.ETag!.Tag);
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);

        var after = await _slowAuth.Send(HttpMethod.Get, "/auth/me", token: session.AccessToken);
        Assert.Equal("Countess of Lovelace", (await after.Json()).GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_reader_that_never_confirms_delays_a_logout_but_does_not_stop_it()
    {
        // What an operator's `redis-cli SUBSCRIBE` on the change channel is: a reader that sends no receipt.
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"{ExternalServices.RedisHost}:{ExternalServices.RedisPort}");
        var heard = new ConcurrentQueue<string>();
        await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(ChangeMessage.Channel(api.ClusterId)), (_, m) => heard.Enqueue(m!));
        var session = await api.SignUp();

        Assert.Equal(HttpStatusCode.NoContent, (await api.Auth.Send(HttpMethod.Post, "/auth/logout", token: session.AccessToken)).StatusCode);

        await (await _slowAuth.Send(HttpMethod.Get, "/auth/me", token: session.AccessToken)).AssertProblem(HttpStatusCode.Unauthorized);
        Assert.Contains(heard, m => ChangeMessage.TryParse(m, out var kind, out _, out _) && kind == 's');
        Assert.Contains(api.Logs.Lines, line => line.Contains("did not confirm an announcement"));
    }

    public async Task DisposeAsync()
    {
        _slowAuth.Dispose();
        await _slow.StopAsync();
        await _slow.DisposeAsync();
        await _redis.DisposeAsync();
    }
}
