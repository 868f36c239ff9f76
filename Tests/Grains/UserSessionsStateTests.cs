using Grains.Sessions;

namespace Tests.Grains;

/// <summary>
/// A user's session list as stored: each session's expiry is kept beside the ids without a second copy of them, and a
/// list the release before wrote (ids only) reads as sessions of unknown expiry, the oldest, never as expired.
/// </summary>
public sealed class UserSessionsStateTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Each_session_keeps_its_own_expiry_whatever_order_the_ids_were_added_in()
    {
        var list = new UserSessionsState();
        var ids = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToList();
        for (var i = 0; i < ids.Count; i++)
        {
            list.Add(ids[i], Now.AddHours(i + 1));
        }

        list.Remove(ids[1]);

        // Past the first two hours: the first session is forgotten, the second was removed, the third is the oldest.
        Assert.True(list.ForgetExpired(Now.AddHours(2).AddMinutes(30)));
        Assert.Equal([ids[2], ids[3], ids[4]], list.SessionIds.OrderBy(ids.IndexOf));
        Assert.Equal([ids[2]], list.Beyond(kept: 2, newest: ids[4]));
    }

    [Fact]
    public void A_session_is_forgotten_only_once_past_its_expiry_not_a_tick_before()
    {
        var list = new UserSessionsState();
        var id = Guid.NewGuid();
        list.Add(id, Now.AddTicks(1));

        Assert.False(list.ForgetExpired(Now));
        Assert.True(list.ExpiryKnown(id));
        Assert.True(list.EveryExpiryKnown);
        Assert.True(list.ForgetExpired(Now.AddMilliseconds(1)));
        Assert.Empty(list.SessionIds);
    }

    [Fact]
    public void Sessions_started_a_millisecond_apart_keep_their_order()
    {
        var list = new UserSessionsState();
        var ids = Enumerable.Range(0, 50).Select(_ => Guid.NewGuid()).ToList();
        for (var i = 0; i < ids.Count; i++)
        {
            list.Add(ids[i], Now.AddDays(7).AddMilliseconds(i));
        }

        Assert.Equal(ids[..49], list.Beyond(kept: 1, newest: ids[^1]).OrderBy(ids.IndexOf));
        Assert.Equal(ids[..48], list.Beyond(kept: 2, newest: ids[^1]));
    }

    [Fact]
    public void A_list_of_the_release_before_counts_its_sessions_as_the_oldest_and_never_as_expired()
    {
        var (legacy, newer) = (Guid.NewGuid(), Guid.NewGuid());
        var list = new UserSessionsState { SessionIds = [legacy] };

        list.Add(newer, Now.AddDays(7));

        Assert.False(list.ForgetExpired(Now.AddDays(1)));
        Assert.False(list.ExpiryKnown(legacy));
        Assert.True(list.ExpiryKnown(newer));
        Assert.False(list.EveryExpiryKnown);
        Assert.Equal([legacy], list.Beyond(kept: 1, newest: newer));
    }

    [Fact]
    public void Expiries_that_no_longer_match_the_ids_are_read_as_unknown_not_paired_with_the_wrong_sessions()
    {
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());
        var list = new UserSessionsState();
        list.Add(first, Now.AddHours(1));
        list.Add(second, Now.AddHours(2));

        // A silo of the release before added a session and wrote the ids alone; here one id more than expiries.
        list.SessionIds.Add(Guid.NewGuid());

        Assert.False(list.ExpiryKnown(first));
        Assert.False(list.EveryExpiryKnown);
        Assert.False(list.ForgetExpired(Now.AddDays(1)));
        Assert.Equal(3, list.Count);
    }
}
