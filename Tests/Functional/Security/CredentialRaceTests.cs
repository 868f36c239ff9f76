using System.Net;
using Tests.Http;

namespace Tests.Security;

/// <summary>Logins with the old password that are still being checked when the password changes.</summary>
[Collection(FrontEnds.Name)]
public sealed class CredentialRaceTests(FrontEndsFixture api)
{
    private const string OldPassword = "correct horse battery";
    private const string NewPassword = "a different staple";

    [Fact]
    public async Task Logins_racing_a_password_change_leave_no_live_session_once_the_change_answered()
    {
        var answered = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Race()));

        // Which logins finish before the change depends on the machine's load, and on a loaded machine the hash
        // queue refuses some (503); every one that got tokens must be dead.
        var logins = answered.SelectMany(a => a).ToList();
        Assert.NotEmpty(logins);
        Assert.All(logins, l => Assert.Contains(
            l.Status, new[] { HttpStatusCode.OK, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests, HttpStatusCode.ServiceUnavailable }));
        foreach (var (_, access, refresh) in logins.Where(l => l.Status == HttpStatusCode.OK))
        {
            await (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: access)).AssertProblem(HttpStatusCode.Unauthorized);
            await (await api.Auth.Send(HttpMethod.Post, "/auth/refresh", new { refreshToken = refresh })).AssertProblem(HttpStatusCode.Unauthorized);
        }
    }

    /// <summary>
    /// One account: its password changes while old-password logins keep arriving. Each takes its ticket at
    /// once and then waits for the hasher, where the change's own two hashes queue too; the logins queued
    /// behind the change's second hash finish after its write — the window an attacker widens.
    /// </summary>
    private async Task<List<(HttpStatusCode Status, string? Access, string? Refresh)>> Race()
    {
        var owner = await api.SignUp(OldPassword);
        var change = api.Users.Send(
            HttpMethod.Put, $"/user/update/{owner.UserId}", new { password = NewPassword, currentPassword = OldPassword }, token: owner.AccessToken);
        var logins = new List<Task<HttpResponseMessage>>();
        while (!change.IsCompleted)
        {
            logins.Add(api.Auth.Login(owner.Email, OldPassword));
            // Also fill the hasher's queue, as unknown-email logins from anyone do.
            logins.Add(api.Auth.Login(ApiCalls.UniqueEmail(), OldPassword));
            await Task.Delay(10);
        }

        Assert.Equal(HttpStatusCode.OK, (await change).StatusCode);
        var results = new List<(HttpStatusCode, string?, string?)>();
        foreach (var login in await Task.WhenAll(logins))
        {
            if (login.StatusCode != HttpStatusCode.OK)
            {
                results.Add((login.StatusCode, null, null));
                continue;
            }

            var tokens = await login.Json();
            results.Add((login.StatusCode, tokens.GetProperty("accessToken").GetString(), tokens.GetProperty("refreshToken").GetString()));
        }

        return results;
    }
}
