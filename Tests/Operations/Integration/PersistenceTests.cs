using Grains.Interfaces.Account;
using Grains.Interfaces.Sessions;
using Grains.Interfaces.Users;
using Grains.Users.Account;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;

using static Tests.Integration.InProcessCluster;

namespace Tests.Integration;

/// <summary>Silos on the real PostgreSQL and Redis that ./test.sh starts.</summary>
public sealed class PersistenceTests : IAsyncLifetime
{
    private readonly InProcessCluster _cluster = new($"persist-{Guid.NewGuid():N}");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_user_written_through_the_cluster_is_read_back_by_a_new_silo_after_the_first_stopped()
    {
        var id = Guid.NewGuid();
        var email = $"durable-{id:N}@example.com";
        var first = await _cluster.StartSilo();
        var client = await _cluster.StartClient();
        await GrainsOf(client).GetGrain<IUserGrain>(id).Create(new CreateUser("Grace Hopper", email, "$argon2id$hash", ["admin"]));
        await GrainsOf(client).GetGrain<IUserGrain>(id).Update(new UpdateUser(Name: "Rear Admiral Hopper"));

        await _cluster.Stop(client);
        await _cluster.Stop(first);
        await _cluster.StartSilo();
        var fresh = await _cluster.StartClient();

        var user = await GrainsOf(fresh).GetGrain<IUserGrain>(id).Get();
        Assert.NotNull(user);
        Assert.Equal(("Rear Admiral Hopper", email, 2L), (user.Name, user.Email, user.Version));
        Assert.Equal(["admin"], user.Permissions);
        Assert.Equal(id, await GrainsOf(fresh).GetGrain<IEmailIndexGrain>(email).GetOwner());
        var duplicate = await GrainsOf(fresh).GetGrain<IUserGrain>(Guid.NewGuid()).Create(new CreateUser("Copy", email, "$argon2id$hash", []));
        Assert.Equal(UserWriteStatus.EmailTaken, duplicate.Status);
    }

    [Fact]
    public async Task Mailed_tokens_and_the_second_factor_are_read_back_by_a_new_silo_and_a_used_code_stays_used()
    {
        var id = Guid.NewGuid();
        var first = await _cluster.StartSilo();
        var client = await _cluster.StartClient();
        await GrainsOf(client).GetGrain<IUserGrain>(id).Create(
            new CreateUser("Grace Hopper", $"tokens-{id:N}@example.com", "$argon2id$hash", [], VerificationTokenHash: "verify-hash"));
        var account = GrainsOf(client).GetGrain<IUserAccountGrain>(id);
        await account.IssuePasswordReset("reset-hash");
        var secret = (await account.BeginTotpSetup())!;
        var code = TotpCodes.At(secret, DateTimeOffset.UtcNow);
        var confirmed = await account.ConfirmTotp(code);
        Assert.Equal(AccountStatus.Ok, confirmed.Status);

        await _cluster.Stop(client);
        await _cluster.Stop(first);
        await _cluster.StartSilo();
        var fresh = GrainsOf(await _cluster.StartClient()).GetGrain<IUserAccountGrain>(id);

        Assert.Equal(AccountStatus.Ok, (await fresh.VerifyEmail("verify-hash")).Status);
        await fresh.IssueMfaTicket("ticket-hash", credentialVersion: 0);
        Assert.Equal(AccountStatus.InvalidCode, (await fresh.CompleteMfaLogin("ticket-hash", code)).Status);
        Assert.Equal(AccountStatus.Ok, (await fresh.CompleteMfaLogin("ticket-hash", confirmed.RecoveryCodes![0])).Status);
        Assert.Equal(AccountStatus.Ok, (await fresh.ResetPassword("reset-hash", "$argon2id$new")).Status);
        var user = await GrainsOf(await _cluster.StartClient()).GetGrain<IUserGrain>(id).Get();
        Assert.True(user!.EmailVerified && user.MfaEnabled);
    }

    [Fact]
    public async Task A_session_survives_a_silo_restart()
    {
        var (userId, sessionId) = (Guid.NewGuid(), Guid.NewGuid());
        var first = await _cluster.StartSilo();
        var client = await _cluster.StartClient();
        var start = new StartSession(userId, "refresh-hash-0", TimeSpan.FromDays(7), TimeSpan.FromDays(1), "xunit", "127.0.0.1");
        Assert.True(await GrainsOf(client).Session(sessionId).Start(start));
        Assert.Equal(RefreshStatus.Rotated, (await GrainsOf(client).Session(sessionId).Refresh("refresh-hash-0", "refresh-hash-1")).Status);

        await _cluster.Stop(client);
        await _cluster.Stop(first);
        await _cluster.StartSilo();
        var fresh = await _cluster.StartClient();
        var session = GrainsOf(fresh).Session(sessionId);

        var check = await session.Check();
        Assert.Equal((true, userId), (check.Active, check.UserId));
        Assert.Equal(RefreshStatus.ReuseDetected, (await session.Refresh("refresh-hash-0", "refresh-hash-2")).Status);
        Assert.False((await session.Check()).Active);
    }

    [Fact]
    public async Task Two_silos_clustered_through_redis_both_serve_grains_reached_by_one_client()
    {
        var silos = new[] { await _cluster.StartSilo(), await _cluster.StartSilo() }.Select(AddressOf).ToHashSet();
        var watcher = await _cluster.StartClient();
        var hosts = await Poll.Until(
            async () => await GrainsOf(watcher).GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true), h => h.Count == 2, seconds: 60);
        Assert.Equal(silos, hosts.Keys.ToHashSet());

        // A client reads the gateway list when it starts: one started once both silos are active sends its calls
        // through both gateways, not only the one that was active first.
        var client = await _cluster.StartClient();
        var management = GrainsOf(client).GetGrain<IManagementGrain>(0);

        // Placement weighs each silo's load (Orleans' default, resource-optimized), so on a busy machine one round of
        // new users may all land on one silo: rounds of 20 go on until both silos hold some, each user created once.
        var created = 0;
        var userActivations = await Poll.Until(async () =>
        {
            var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).Select(id =>
                GrainsOf(client).GetGrain<IUserGrain>(id).Create(new CreateUser("Member", $"m-{id:N}@example.com", "$argon2id$hash", []))));
            Assert.All(results, r => Assert.Equal(UserWriteStatus.Ok, r.Status));
            created += results.Length;
            return (await management.GetSimpleGrainStatistics())
                .Where(s => s.GrainType.Contains("UserGrain", StringComparison.Ordinal))
                .GroupBy(s => s.SiloAddress)
                .ToDictionary(g => g.Key, g => g.Sum(s => s.ActivationCount));
        }, a => a.Count(s => s.Value > 0) == 2, seconds: 60);

        // Each user created is active exactly once in the cluster, and each silo holds some of them.
        Assert.Equal(created, userActivations.Values.Sum());
        Assert.Equal(silos, userActivations.Where(a => a.Value > 0).Select(a => a.Key).ToHashSet());
    }

    private static SiloAddress AddressOf(WebApplication silo) => silo.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
}
