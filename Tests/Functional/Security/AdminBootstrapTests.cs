using System.Net;
using Hosting.Configuration;
using Microsoft.AspNetCore.Builder;
using Tests.Http;
using Tests.Infrastructure;

namespace Tests.Security;

/// <summary>ADMIN_EMAIL / ADMIN_PASSWORD on a cluster that already has users and an admin (the fixture's).</summary>
[Collection(FrontEnds.Name)]
public sealed class AdminBootstrapTests(FrontEndsFixture api)
{
    [Fact]
    public async Task A_common_admin_password_stops_the_front_end_at_start()
    {
        var error = await Assert.ThrowsAsync<ConfigurationException>(() => api.StartUserFrontEnd(
            new LogCapture(), ("ADMIN_EMAIL", ApiCalls.UniqueEmail()), ("ADMIN_PASSWORD", "1234567890")));

        Assert.Contains("ADMIN_PASSWORD", error.Message);
    }

    [Fact]
    public async Task A_squatted_admin_email_creates_nothing_promotes_nobody_and_logs_an_error()
    {
        var squatter = await api.SignUp();
        var logs = new LogCapture();

        var error = await RunUntilLogged(
            api.StartUserFrontEnd(logs, ("ADMIN_EMAIL", squatter.Email), ("ADMIN_PASSWORD", "a strong admin passphrase")),
            logs,
            line => line.StartsWith("Error") && line.Contains("ADMIN_EMAIL"));

        Assert.NotNull(error);
        Assert.Contains(squatter.UserId.ToString(), error);
        var me = await (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: squatter.AccessToken)).Json();
        Assert.Empty(me.GetProperty("permissions").EnumerateArray());
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Auth.Login(squatter.Email, "a strong admin passphrase")).StatusCode);
    }

    [Fact]
    public async Task No_second_admin_is_created_after_the_first_one_changed_address()
    {
        // The fixture bootstrapped its admin at start; a fresh address stands for the one the admin moved away from.
        var freedAddress = ApiCalls.UniqueEmail();
        var logs = new LogCapture();

        var outcome = await RunUntilLogged(
            api.StartUserFrontEnd(logs, ("ADMIN_EMAIL", freedAddress), ("ADMIN_PASSWORD", "a strong admin passphrase")),
            logs,
            line => line.Contains("Admin bootstrap"));

        Assert.Contains("nothing to do", outcome);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Auth.Login(freedAddress, "a strong admin passphrase")).StatusCode);
    }

    /// <summary>The front end's start does not wait for the bootstrap, which runs once the cluster answers: wait for its log line.</summary>
    private static async Task<string?> RunUntilLogged(Task<WebApplication> starting, LogCapture logs, Func<string, bool> line)
    {
        var frontEnd = await starting;
        try
        {
            return await Poll.Until(() => Task.FromResult(logs.Lines.FirstOrDefault(line)), found => found is not null, seconds: 30);
        }
        finally
        {
            await frontEnd.StopAsync();
            await frontEnd.DisposeAsync();
        }
    }
}
