using System.Collections.Concurrent;
using Grains;
using Grains.Interfaces.Users;
using Orleans.Streams;


namespace Tests.Grains;

[Collection(GrainCluster.Name)]
public sealed class UserEventTests(GrainClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    [Fact]
    public async Task Every_change_is_published_in_order_without_a_hash()
    {
        var id = Guid.NewGuid();
        var seen = await Subscribe(id);
        var user = _grains.GetGrain<IUserGrain>(id);

        await user.Create(new CreateUser("Ada", $"ada-{id:N}@example.com", "$argon2id$SECRET-HASH", []));
        await user.Update(new UpdateUser(Name: "Ada King"));
        await user.Update(new UpdateUser(PasswordHash: "$argon2id$OTHER-SECRET"));
        await user.Update(new UpdateUser(Permissions: ["reports:read"]));
        await user.Deactivate();

        var events = await WaitFor(seen, 5);
        Assert.Equal(
            [UserEvent.Created, UserEvent.Updated, UserEvent.PasswordChanged, UserEvent.PermissionsChanged, UserEvent.Deleted],
            events.Select(e => UserEvent.FromJson(e).Type));
        Assert.Equal([1L, 2, 3, 4, 5], events.Select(e => UserEvent.FromJson(e).Version));
        Assert.All(events, e => Assert.DoesNotContain("SECRET", e));
        Assert.Equal(5, events.Select(e => UserEvent.FromJson(e).Id).Distinct().Count());
        var created = UserEvent.FromJson(events[0]);
        Assert.Equal((id, "Ada", $"ada-{id:N}@example.com"), (created.UserId, created.Data.Name, created.Data.Email));
    }

    [Fact]
    public async Task A_refused_write_emits_nothing()
    {
        var (id, other) = (Guid.NewGuid(), Guid.NewGuid());
        var seen = await Subscribe(id);
        var taken = $"taken-{other:N}@example.com";
        await _grains.GetGrain<IUserGrain>(other).Create(new CreateUser("Other", taken, "$argon2id$h", []));
        var user = _grains.GetGrain<IUserGrain>(id);
        await user.Create(new CreateUser("Ada", $"ada-{id:N}@example.com", "$argon2id$h", []));

        await user.Update(new UpdateUser(Email: taken));
        await user.Update(new UpdateUser(Name: "Stale", ExpectedVersion: 7));
        await user.Update(new UpdateUser(Name: "Fresh"));
        // One user's events arrive in order: once this last one is in, anything the refused writes emitted is too.
        await user.Update(new UpdateUser(Name: "Last"));

        await WaitFor(seen, 3);
        await Poll.Until(() => Task.FromResult(seen.Any(e => UserEvent.FromJson(e).Data.Name == "Last")), last => last);
        Assert.Equal(
            [(UserEvent.Created, "Ada"), (UserEvent.Updated, "Fresh"), (UserEvent.Updated, "Last")],
            seen.Select(e => UserEvent.FromJson(e)).Select(e => (e.Type, e.Data.Name)));
    }

    [Fact]
    public async Task The_read_model_follows_the_events_and_drops_deleted_users()
    {
        var id = Guid.NewGuid();
        var email = $"listed-{id:N}@example.com";
        var user = _grains.GetGrain<IUserGrain>(id);
        var directory = _grains.GetGrain<IUserDirectoryGrain>(0);

        await user.Create(new CreateUser("Listed", email, "$argon2id$h", []));
        await user.Update(new UpdateUser(Name: "Renamed"));
        var found = await Poll.Until(() => directory.Search(new UserQuery(1, 10, email.ToUpperInvariant())), p => p.Items is [{ Version: 2 }]);
        await user.Deactivate();
        var gone = await Poll.Until(() => directory.Search(new UserQuery(1, 10, email)), p => p.Total == 0);

        Assert.Equal("Renamed", found.Items.Single().Name);
        Assert.Empty(gone.Items);
    }

    private async Task<ConcurrentQueue<string>> Subscribe(Guid userId)
    {
        var seen = new ConcurrentQueue<string>();
        var stream = fixture.Cluster.Client.GetStreamProvider(UserEventStream.Provider)
            .GetStream<string>(UserEventStream.Of(userId));
        await stream.SubscribeAsync((item, _) =>
        {
            seen.Enqueue(item);
            return Task.CompletedTask;
        });
        return seen;
    }

    private static async Task<List<string>> WaitFor(ConcurrentQueue<string> seen, int count)
    {
        await Poll.Until(() => Task.FromResult(seen.Count), c => c >= count);
        return [.. seen];
    }
}
