using System.Collections.Concurrent;
using Grains;
using Grains.Interfaces.Users;
using Orleans.Runtime;
using Orleans.Streams;

namespace Tests.Grains;

/// <summary>
/// A write that fails after it may have been stored (a timeout): the grain must not guess what storage holds.
/// </summary>
[Collection(GrainCluster.Name)]
public sealed class UncertainWriteTests(GrainClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    [Fact]
    public async Task After_an_uncertain_update_the_user_is_what_storage_holds_and_its_event_still_goes_out()
    {
        var id = Guid.NewGuid();
        var user = _grains.GetGrain<IUserGrain>(id);
        var events = new ConcurrentQueue<string>();
        await fixture.Cluster.Client.GetStreamProvider(UserEventStream.Provider).GetStream<string>(UserEventStream.Of(id))
            .SubscribeAsync((item, _) =>
            {
                events.Enqueue(UserEvent.FromJson(item).Type);
                return Task.CompletedTask;
            });
        Assert.Equal(UserWriteStatus.Ok, (await user.Create(new CreateUser("Ada", $"ada-{id:N}@example.com", "$argon2id$h", []))).Status);

        // The create's event out, so that the failing write is the update's.
        await Poll.Until(() => Task.FromResult(events.Count), count => count == 1);
        UncertainWrites.StoreThenFailNextWrite(user.GetGrainId());
        await Assert.ThrowsAnyAsync<Exception>(() => user.Update(new UpdateUser(Name: "Ada King")));

        // Stored at version 2: a restored guess would still say version 1 and "Ada", and reuse version 2 next time.
        var view = await user.Get();
        Assert.Equal(("Ada King", 2L), (view!.Name, view.Version));
        // The stored outbox holds the update's event; the reloaded activation publishes it.
        await Poll.Until(() => Task.FromResult(events.Count), count => count >= 2, seconds: 30);
        Assert.Equal([UserEvent.Created, UserEvent.Updated], events);
    }

    [Fact]
    public async Task An_uncertain_create_keeps_its_email_from_anybody_else()
    {
        var email = $"uncertain-{Guid.NewGuid():N}@example.com";
        var first = _grains.GetGrain<IUserGrain>(Guid.NewGuid());
        UncertainWrites.StoreThenFailNextWrite(first.GetGrainId());
        await Assert.ThrowsAnyAsync<Exception>(() => first.Create(new CreateUser("First", email, "$argon2id$h", [])));

        var second = await _grains.GetGrain<IUserGrain>(Guid.NewGuid()).Create(new CreateUser("Second", email, "$argon2id$h", []));

        Assert.Equal(UserWriteStatus.EmailTaken, second.Status);
        Assert.Equal(email, (await first.Get())!.Email);
    }
}
