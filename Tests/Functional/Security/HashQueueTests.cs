using System.Net;
using Tests.Http;
using Tests.Infrastructure;
using TestSupport.OpenApi;

namespace Tests.Security;

/// <summary>A flood of logins against a front end whose hash queue holds two (HASH_QUEUE_LIMIT=2).</summary>
[Collection(FrontEnds.Name)]
public sealed class HashQueueTests(FrontEndsFixture api)
{
    [Fact]
    public async Task A_flood_beyond_the_hash_queue_gets_503_with_retry_after_and_the_front_end_keeps_serving()
    {
        var owner = await api.SignUp();
        var port = FreePort.Next();
        var frontEnd = await api.StartAuthFrontEnd(new LogCapture(), ("AUTH_PORT", port.ToString()), ("HASH_QUEUE_LIMIT", "2"));
        try
        {
            using var auth = ContractCheckingHandler.Client(port);

            // Rounds until the queue overflowed: how many of one round's hashes overlap depends on the machine.
            var flood = new List<HttpResponseMessage>();
            for (var round = 0; round < 20 && flood.All(a => a.StatusCode != HttpStatusCode.ServiceUnavailable); round++)
            {
                flood.AddRange(await Task.WhenAll(Enumerable.Range(0, 48).Select(_ => auth.Login(ApiCalls.UniqueEmail(), "unknown address"))));
            }

            Assert.All(flood, a => Assert.Contains(a.StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.ServiceUnavailable }));
            var refused = flood.Where(a => a.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
            Assert.NotEmpty(refused);
            foreach (var answer in refused)
            {
                await answer.AssertProblem(HttpStatusCode.ServiceUnavailable, "overloaded");
                Assert.NotNull(answer.Headers.RetryAfter);
            }

            Assert.Equal(HttpStatusCode.OK, (await auth.Login(owner.Email, owner.Password)).StatusCode);
        }
        finally
        {
            await frontEnd.StopAsync();
            await frontEnd.DisposeAsync();
        }
    }

    [Fact]
    public async Task Logins_the_full_queue_refused_leave_the_owner_free_to_log_in()
    {
        var owner = await api.SignUp();
        var port = FreePort.Next();
        var frontEnd = await api.StartAuthFrontEnd(new LogCapture(), ("AUTH_PORT", port.ToString()), ("HASH_QUEUE_LIMIT", "2"));
        try
        {
            using var auth = ContractCheckingHandler.Client(port);

            // The owner logs in while a flood of unknown-email logins keeps the queue full. Each of the owner's
            // logins that the queue refuses had been given one of the account's five places by its guess
            // throttle; until more were refused than there are places.
            var owners = new List<HttpResponseMessage>();
            for (var round = 0; round < 20 && owners.Count(a => a.StatusCode == HttpStatusCode.ServiceUnavailable) < 10; round++)
            {
                var flood = Enumerable.Range(0, 16).Select(_ => auth.Login(ApiCalls.UniqueEmail(), "unknown address"));
                var own = Enumerable.Range(0, 8).Select(_ => auth.Login(owner.Email, owner.Password)).ToList();
                await Task.WhenAll(flood.Concat(own));
                owners.AddRange(own.Select(t => t.Result));
            }

            var after = await auth.Login(owner.Email, owner.Password);

            Assert.All(owners, a => Assert.Contains(a.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable }));
            Assert.True(owners.Count(a => a.StatusCode == HttpStatusCode.ServiceUnavailable) >= 10);
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        }
        finally
        {
            await frontEnd.StopAsync();
            await frontEnd.DisposeAsync();
        }
    }
}
