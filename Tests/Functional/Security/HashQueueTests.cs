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

            var flood = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => auth.Login(ApiCalls.UniqueEmail(), "unknown address")));

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
}
