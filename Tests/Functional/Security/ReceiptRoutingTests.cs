using System.Collections.Concurrent;
using System.Net;
using Grains.Interfaces;
using StackExchange.Redis;
using Tests.Http;

namespace Tests.Security;

/// <summary>
/// A front end confirms an announcement on the channel its receipt names, the announcing silo's own: with several
/// silos no other silo receives it (before, every silo read every receipt). A front end of the earlier release, which
/// confirms everything on the one shared channel, is still heard.
/// </summary>
[Collection(FrontEnds.Name)]
public sealed class ReceiptRoutingTests(FrontEndsFixture api)
{
    private const string NotConfirmed = "did not confirm an announcement";

    [Fact]
    public void A_receipt_names_its_announcers_channel_and_any_other_receipt_the_shared_one()
    {
        const uint Announcer = 0x0badf00d;
        var receipt = ChangeMessage.NewReceipt(Announcer);

        Assert.Equal("auth-changes:c1:receipts:0badf00d", ChangeMessage.ReceiptChannelOf("c1", receipt));
        Assert.NotEqual(receipt, ChangeMessage.NewReceipt(Announcer));
        Assert.Equal("auth-changes:c1:receipts", ChangeMessage.ReceiptChannelOf("c1", Guid.NewGuid()));
    }

    [Fact]
    public async Task Front_ends_confirm_a_logout_on_the_announcing_silos_channel_and_an_earlier_front_ends_receipt_still_counts()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"{ExternalServices.RedisHost}:{ExternalServices.RedisPort}");
        var subscriber = redis.GetSubscriber();
        var receipts = new ConcurrentQueue<(string Channel, Guid Receipt, Guid Reader)>();
        await subscriber.SubscribeAsync(RedisChannel.Pattern($"{ChangeMessage.ReceiptChannel(api.ClusterId)}*"), (channel, message) =>
        {
            if (ChangeMessage.TryParseReceipt(message, out var receipt, out var reader))
            {
                receipts.Enqueue((channel!, receipt, reader));
            }
        });

        // A front end of the earlier release: it reads every announcement and confirms it on the shared channel.
        var earlier = Guid.NewGuid();
        var endedSessions = new ConcurrentQueue<Guid>();
        var shared = ChangeMessage.ReceiptChannel(api.ClusterId);
        await subscriber.SubscribeAsync(RedisChannel.Literal(ChangeMessage.Channel(api.ClusterId)), (channel, message) =>
        {
            if (ChangeMessage.TryParse(message, out var kind, out _, out var receipt) && receipt != Guid.Empty)
            {
                if (kind == 's')
                {
                    endedSessions.Enqueue(receipt);
                }

                subscriber.Publish(RedisChannel.Literal(shared), ChangeMessage.Receipt(receipt, earlier), CommandFlags.FireAndForget);
            }
        });

        var session = await api.SignUp();
        var unconfirmedBefore = api.Logs.Lines.Count(line => line.Contains(NotConfirmed));
        Assert.Equal(HttpStatusCode.NoContent, (await api.Auth.Send(HttpMethod.Post, "/auth/logout", token: session.AccessToken)).StatusCode);

        // The silo waited for every reader, the earlier front end included, and was confirmed by each in time.
        Assert.Equal(unconfirmedBefore, api.Logs.Lines.Count(line => line.Contains(NotConfirmed)));
        var logout = Assert.Single(endedSessions);
        var own = ChangeMessage.ReceiptChannelOf(api.ClusterId, logout);
        Assert.NotEqual(shared, own);
        var heard = await Poll.Until(
            () => Task.FromResult(receipts.Where(r => r.Receipt == logout).ToList()),
            r => r.Count(x => x.Reader != earlier) >= api.FrontEndCount && r.Any(x => x.Reader == earlier));

        // Every front end of the cluster (the auth and the user one, and those other tests added), once each, on the
        // silo's own channel; the earlier front end on the shared one.
        var current = heard.Where(r => r.Reader != earlier).ToList();
        Assert.Equal(api.FrontEndCount, current.Select(r => r.Reader).Distinct().Count());
        Assert.Equal(api.FrontEndCount, current.Count);
        Assert.All(current, r => Assert.Equal(own, r.Channel));
        Assert.Equal(shared, Assert.Single(heard, r => r.Reader == earlier).Channel);
    }
}
