using System.Collections.Concurrent;
using Grains;
using Grains.Interfaces.Account;
using Grains.Interfaces.Users;
using Grains.Users.Account;
using Orleans.Streams;

namespace Tests.Grains;

/// <summary>The account lifecycle in the user grain, with the clock moved by the test (docs/contract.md, Account lifecycle lifetimes).</summary>
[Collection(GrainCluster.Name)]
public sealed class AccountGrainTests(GrainClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    [Fact]
    public async Task A_verification_token_lives_24_hours_and_a_reset_token_30_minutes()
    {
        var (early, late) = (await NewUser("verify-early"), await NewUser("verify-late"));
        GrainClusterFixture.Time.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
        Assert.Equal(AccountStatus.Ok, (await Account(early).VerifyEmail("hash-verify-early")).Status);
        GrainClusterFixture.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(AccountStatus.TokenGone, (await Account(late).VerifyEmail("hash-verify-late")).Status);

        var user = await NewUser("reset");
        Assert.NotNull((await Account(user).IssuePasswordReset("reset-hash")).Email);
        GrainClusterFixture.Time.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(AccountStatus.TokenGone, (await Account(user).ResetPassword("reset-hash", "$argon2id$new")).Status);
        Assert.NotNull((await Account(user).IssuePasswordReset("reset-hash-2")).Email);
        GrainClusterFixture.Time.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal(AccountStatus.Ok, (await Account(user).ResetPassword("reset-hash-2", "$argon2id$new")).Status);
        Assert.Equal(AccountStatus.TokenGone, (await Account(user).ResetPassword("reset-hash-2", "$argon2id$newer")).Status);
    }

    [Fact]
    public async Task A_resend_replaces_the_older_verification_link_once_a_minute_has_passed()
    {
        var user = await NewUser("resend");
        Assert.Null((await Account(user).IssueEmailVerification("second")).Email);
        GrainClusterFixture.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.NotNull((await Account(user).IssueEmailVerification("second")).Email);

        Assert.Equal(AccountStatus.TokenGone, (await Account(user).VerifyEmail("hash-resend")).Status);
        Assert.Equal(AccountStatus.Ok, (await Account(user).VerifyEmail("second")).Status);
    }

    [Fact]
    public async Task Account_changes_are_published_as_events_that_carry_no_secret()
    {
        var id = await NewUser("events", subscribe: true);
        var account = Account(id);
        await account.VerifyEmail("hash-events");
        var secret = (await account.BeginTotpSetup())!;
        var confirmed = await account.ConfirmTotp(TotpCodes.At(secret, GrainClusterFixture.Time.GetUtcNow()));
        await account.IssuePasswordReset("reset-events");
        await account.ResetPassword("reset-events", "$argon2id$NEW-SECRET-HASH");
        Assert.True(await account.ResetTotp());

        var events = await WaitFor(_seen[id], 5);
        Assert.Equal(
            [UserEvent.Created, UserEvent.EmailVerified, UserEvent.MfaEnabled, UserEvent.PasswordChanged, UserEvent.MfaDisabled],
            events.Select(e => UserEvent.FromJson(e).Type));
        Assert.Equal([false, true, true, true, true], events.Select(e => UserEvent.FromJson(e).Data.EmailVerified));
        Assert.Equal([false, false, true, true, false], events.Select(e => UserEvent.FromJson(e).Data.MfaEnabled));
        foreach (var secretText in new[] { secret, "NEW-SECRET-HASH", "reset-events", "hash-events", confirmed.RecoveryCodes![0] })
        {
            Assert.All(events, e => Assert.DoesNotContain(secretText, e));
        }
    }

    private readonly ConcurrentDictionary<Guid, ConcurrentQueue<string>> _seen = new();

    private async Task<Guid> NewUser(string tag, bool subscribe = false)
    {
        var id = Guid.NewGuid();
        if (subscribe)
        {
            var seen = _seen[id] = new ConcurrentQueue<string>();
            var stream = fixture.Cluster.Client.GetStreamProvider(UserEventStream.Provider).GetStream<string>(UserEventStream.Of(id));
            await stream.SubscribeAsync((item, _) =>
            {
                seen.Enqueue(item);
                return Task.CompletedTask;
            });
        }

        var created = await _grains.GetGrain<IUserGrain>(id).Create(
            new CreateUser("Ada", $"{tag}-{id:N}@example.com", "$argon2id$h", [], VerificationTokenHash: $"hash-{tag}"));
        Assert.Equal(UserWriteStatus.Ok, created.Status);
        return id;
    }

    private IUserAccountGrain Account(Guid id) => _grains.GetGrain<IUserAccountGrain>(id);

    private static async Task<List<string>> WaitFor(ConcurrentQueue<string> seen, int count)
    {
        await Poll.Until(() => Task.FromResult(seen.Count), c => c >= count);
        return [.. seen];
    }
}
