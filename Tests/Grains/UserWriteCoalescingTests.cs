using System.Collections.Concurrent;
using Grains;
using Grains.Interfaces.Users;
using Orleans.Streams;

namespace Tests.Grains;

/// <summary>
/// The user grain stores changes that arrive during a write together (group commit) and publishes without a write
/// of its own: what that must never cost is an order, a version, an event or an If-Match guarantee.
/// </summary>
[Collection(GrainCluster.Name)]
public sealed class UserWriteCoalescingTests(GrainClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    [Fact]
    public async Task Updates_queued_behind_a_slow_write_are_stored_together_each_with_its_own_version_and_event()
    {
        var (user, events) = await CreateWatched();
        var held = UncertainWrites.HoldNextWrite(user.GetGrainId());
        var first = user.Update(new UpdateUser(Name: "first"));
        await held.Begun.Task;

        var queued = Enumerable.Range(0, 10).Select(i => user.Update(new UpdateUser(Name: $"queued-{i}"))).ToList();
        // While a write is in flight, a read answers at once and with what is stored, not with what is being written.
        var during = await user.Get();
        Assert.Equal(1L, during!.Version);
        held.Release.SetResult();
        var results = await Task.WhenAll(queued.Prepend(first));

        Assert.All(results, r => Assert.Equal(UserWriteStatus.Ok, r.Status));
        Assert.Equal(Enumerable.Range(2, 11).Select(v => (long)v), results.Select(r => r.User!.Version).Order());
        // The create, the held write, then every queued change: fewer writes than changes, each storing a later version.
        var written = UncertainWrites.VersionsWritten(user.GetGrainId());
        Assert.Equal([1L, 2L], written[..2]);
        Assert.True(written.Length < 12, $"11 changes took {written.Length - 1} writes after the create");
        Assert.Equal(written.Order(), written);
        Assert.Equal(12L, written[^1]);

        var published = await WaitFor(events, 12);
        Assert.Equal(Enumerable.Range(1, 12).Select(s => (long)s), published.Select(e => e.Sequence));
        Assert.Equal(Enumerable.Range(1, 12).Select(v => (long)v), published.Select(e => e.Version));
        // Each event carries the state its own change made: the name its caller set, at the version its caller got.
        Assert.All(results, r => Assert.Equal(r.User!.Name, published.Single(e => e.Version == r.User.Version).Data.Name));
        Assert.Equal(12, published.Select(e => e.Id).Distinct().Count());
    }

    [Fact]
    public async Task Two_updates_with_the_same_version_while_a_write_is_in_flight_have_exactly_one_winner()
    {
        var (user, _) = await CreateWatched();
        var held = UncertainWrites.HoldNextWrite(user.GetGrainId());
        var first = user.Update(new UpdateUser(Name: "winner", ExpectedVersion: 1));
        await held.Begun.Task;

        // The second is answered while the first is still being written: it does not wait, and it does not win.
        var second = await user.Update(new UpdateUser(Name: "loser", ExpectedVersion: 1));
        held.Release.SetResult();

        Assert.Equal(UserWriteStatus.VersionMismatch, second.Status);
        Assert.Equal((UserWriteStatus.Ok, 2L), ((await first).Status, (await first).User!.Version));
        Assert.Equal(("winner", 2L), ((await user.Get())!.Name, (await user.Get())!.Version));
    }

    [Fact]
    public async Task An_email_change_sent_with_the_same_version_as_a_rename_in_flight_is_refused_and_takes_no_address()
    {
        var (user, _) = await CreateWatched();
        var address = $"moved-{Guid.NewGuid():N}@example.com";
        var index = _grains.GetGrain<IEmailIndexGrain>(address);
        var held = UncertainWrites.HoldNextWrite(user.GetGrainId());
        var rename = user.Update(new UpdateUser(Name: "renamed", ExpectedVersion: 1));
        await held.Begun.Task;

        // Not an interleaving change (it must claim its address first): it waits for the rename, then finds version 2.
        var move = user.Update(new UpdateUser(Email: address, ExpectedVersion: 1));
        held.Release.SetResult();

        Assert.Equal(UserWriteStatus.Ok, (await rename).Status);
        Assert.Equal(UserWriteStatus.VersionMismatch, (await move).Status);
        Assert.Equal("renamed", (await user.Get())!.Name);
        // It took no address.
        Assert.True(await index.TryReserve(Guid.NewGuid()));
    }

    [Fact]
    public async Task Publishing_an_event_costs_no_storage_write()
    {
        var (user, events) = await CreateWatched();
        await WaitFor(events, 1);
        await user.Update(new UpdateUser(Name: "two"));
        await WaitFor(events, 2);
        await user.Update(new UpdateUser(Name: "three"));
        await WaitFor(events, 3);

        // One write per change; the published events are dropped by the next change's write.
        Assert.Equal([1L, 2L, 3L], UncertainWrites.VersionsWritten(user.GetGrainId()));
    }

    private async Task<(IUserGrain User, ConcurrentQueue<UserEvent> Events)> CreateWatched()
    {
        var id = Guid.NewGuid();
        var events = new ConcurrentQueue<UserEvent>();
        await fixture.Cluster.Client.GetStreamProvider(UserEventStream.Provider).GetStream<string>(UserEventStream.Of(id))
            .SubscribeAsync((item, _) =>
            {
                events.Enqueue(UserEvent.FromJson(item));
                return Task.CompletedTask;
            });
        var user = _grains.GetGrain<IUserGrain>(id);
        Assert.Equal(UserWriteStatus.Ok, (await user.Create(new CreateUser("Ada", $"ada-{id:N}@example.com", "$argon2id$h", []))).Status);
        return (user, events);
    }

    private static async Task<List<UserEvent>> WaitFor(ConcurrentQueue<UserEvent> events, int count)
    {
        await Poll.Until(() => Task.FromResult(events.Count), c => c >= count);
        return [.. events];
    }
}
