using System.Net;
using Grains.Users;
using Tests.Http;

namespace Tests.Security;

/// <summary>The per-account throttle under parallel logins: the owner's pass, an attacker's are counted exactly.</summary>
[Collection(FrontEnds.Name)]
public sealed class ParallelLoginTests(FrontEndsFixture api)
{
    private const int Parallel = 32;

    [Fact]
    public async Task The_owners_parallel_logins_with_the_right_password_all_succeed()
    {
        var owner = await api.SignUp();

        var answers = await Task.WhenAll(Enumerable.Range(0, Parallel).Select(_ => api.Auth.Login(owner.Email, owner.Password)));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
    }

    [Fact]
    public async Task Parallel_wrong_guesses_get_exactly_the_free_failures_and_then_429()
    {
        var victim = await api.SignUp();

        var answers = await Task.WhenAll(Enumerable.Range(0, Parallel).Select(i => api.Auth.Login(victim.Email, $"guess number {i}")));

        Assert.Equal(PasswordGuessThrottle.FreeFailures, answers.Count(a => a.StatusCode == HttpStatusCode.Unauthorized));
        Assert.Equal(Parallel - PasswordGuessThrottle.FreeFailures, answers.Count(a => a.StatusCode == HttpStatusCode.TooManyRequests));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await api.Auth.Login(victim.Email, victim.Password)).StatusCode);
    }
}
