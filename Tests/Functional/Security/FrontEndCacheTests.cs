using Api.Security;
using Grains.Interfaces;
using Grains.Interfaces.Sessions;
using Microsoft.Extensions.Time.Testing;

namespace Tests.Security;

/// <summary>
/// The front end's copy of session checks: used only while trusted, dropped on announcement, never stale past its age,
/// spread over expiry times, and fetched once for all concurrent misses of one session.
/// </summary>
public sealed class FrontEndCacheTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-28T12:00:00Z"));
    private readonly Guid _session = Guid.NewGuid();
    private readonly Guid _user = Guid.NewGuid();
    private int _fetches;

    private FrontEndCache Cache(bool trusted = true)
    {
        var cache = new FrontEndCache(_time, TimeSpan.FromSeconds(10));
        if (trusted)
        {
            cache.Connected();
        }

        return cache;
    }

    // A grain call that stays out until the test answers it; counted like every fetch.
    private Func<Guid, Task<SessionCheck>> HeldUntil(TaskCompletionSource<SessionCheck> answer) => _ =>
    {
        Interlocked.Increment(ref _fetches);
        return answer.Task;
    };

    private Task<SessionCheck> Live(Guid sessionId)
    {
        _fetches++;
        return Task.FromResult(new SessionCheck(true, _user, _time.GetUtcNow().AddHours(1)));
    }

    [Fact]
    public async Task Without_a_connected_subscription_every_check_asks_the_grain()
    {
        var cache = Cache(trusted: false);

        await cache.Session(_session, Live);
        await cache.Session(_session, Live);

        Assert.Equal(2, _fetches);
    }

    [Fact]
    public async Task A_live_session_is_reused_until_an_announcement_ends_it()
    {
        var cache = Cache();
        await cache.Session(_session, Live);
        await cache.Session(_session, Live);
        Assert.Equal(1, _fetches);

        cache.Apply(ChangeMessage.SessionEnded(_session));
        var after = await cache.Session(_session, _ => Task.FromResult(SessionCheck.Inactive));

        Assert.False(after.Active);
    }

    [Fact]
    public async Task An_announcement_with_a_receipt_drops_the_copy_and_gives_the_receipt_to_confirm()
    {
        var cache = Cache();
        await cache.Session(_session, Live);
        var receipt = Guid.NewGuid();

        Assert.Equal(receipt, cache.Apply(ChangeMessage.WithReceipt(ChangeMessage.SessionEnded(_session), receipt)));
        Assert.Equal(Guid.Empty, cache.Apply(ChangeMessage.UserChanged(_user)));
        Assert.Equal(Guid.Empty, cache.Apply(ChangeMessage.WithReceipt("x:not-an-id", receipt)));

        await cache.Session(_session, Live);
        Assert.Equal(2, _fetches);
    }

    [Fact]
    public async Task An_announcement_that_arrives_during_the_fetch_keeps_the_answer_out_of_the_cache()
    {
        var cache = Cache();
        await cache.Session(_session, async id =>
        {
            var answer = await Live(id);
            cache.Apply(ChangeMessage.SessionEnded(_session)); // the session ends while the answer travels back
            return answer;
        });

        await cache.Session(_session, Live);

        Assert.Equal(2, _fetches);
    }

    [Fact]
    public async Task Copies_expire_after_their_age_and_ended_sessions_are_never_kept()
    {
        var cache = Cache();
        await cache.Session(_session, Live);
        _time.Advance(TimeSpan.FromSeconds(11));
        await cache.Session(_session, Live);
        Assert.Equal(2, _fetches);

        var ended = Guid.NewGuid();
        await cache.Session(ended, _ => { _fetches++; return Task.FromResult(SessionCheck.Inactive); });
        await cache.Session(ended, _ => { _fetches++; return Task.FromResult(SessionCheck.Inactive); });
        Assert.Equal(4, _fetches);
    }

    [Fact]
    public async Task A_session_about_to_expire_is_kept_only_until_it_expires()
    {
        var cache = Cache();
        var soon = new SessionCheck(true, _user, _time.GetUtcNow().AddSeconds(2));
        await cache.Session(_session, _ => { _fetches++; return Task.FromResult(soon); });
        _time.Advance(TimeSpan.FromSeconds(3));

        await cache.Session(_session, _ => { _fetches++; return Task.FromResult(SessionCheck.Inactive); });

        Assert.Equal(2, _fetches);
    }

    [Fact]
    public async Task A_lost_subscription_forgets_everything_and_stops_using_copies()
    {
        var cache = Cache();
        await cache.Session(_session, Live);

        cache.Disconnected();
        await cache.Session(_session, Live);
        await cache.Session(_session, Live);

        Assert.Equal(3, _fetches);
        Assert.False(cache.Trusted);
    }

    [Theory]
    [InlineData("")]
    [InlineData("s:")]
    [InlineData("x:0f8fad5bd9cb469fa16570867728950e")]
    [InlineData("s:not-a-guid")]
    public async Task Malformed_announcements_change_nothing(string message)
    {
        var cache = Cache();
        await cache.Session(_session, Live);

        cache.Apply(message);
        await cache.Session(_session, Live);

        Assert.Equal(1, _fetches);
    }

    [Fact]
    public async Task Concurrent_misses_of_one_session_share_one_call_to_the_grain()
    {
        var cache = Cache();
        var answer = new TaskCompletionSource<SessionCheck>(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = HeldUntil(answer);

        // All start while the first call is still out, as a stampede at expiry would.
        var checks = Enumerable.Range(0, 32).Select(_ => cache.Session(_session, held).AsTask()).ToList();
        answer.SetResult(new SessionCheck(true, _user, _time.GetUtcNow().AddHours(1)));
        var answers = await Task.WhenAll(checks);

        Assert.Equal(1, _fetches);
        Assert.All(answers, check => Assert.True(check.Active));
        Assert.All(answers, check => Assert.Equal(_user, check.UserId));
    }

    [Fact]
    public async Task A_failed_shared_call_fails_every_waiter_and_the_next_request_asks_again()
    {
        var cache = Cache();
        var answer = new TaskCompletionSource<SessionCheck>(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = HeldUntil(answer);

        var checks = Enumerable.Range(0, 4).Select(_ => cache.Session(_session, held).AsTask()).ToList();
        answer.SetException(new TimeoutException("silo unreachable"));

        foreach (var check in checks)
        {
            await Assert.ThrowsAsync<TimeoutException>(() => check);
        }

        Assert.True((await cache.Session(_session, Live)).Active);
        Assert.Equal(2, _fetches);
    }

    [Fact]
    public async Task An_announcement_during_a_shared_call_sends_later_requests_to_the_grain_again()
    {
        var cache = Cache();
        var first = new TaskCompletionSource<SessionCheck>(TaskCreationOptions.RunContinuationsAsynchronously);
        var before = cache.Session(_session, _ => { _fetches++; return first.Task; }).AsTask();

        cache.Apply(ChangeMessage.SessionEnded(_session));
        var after = await cache.Session(_session, _ => { _fetches++; return Task.FromResult(SessionCheck.Inactive); });
        first.SetResult(new SessionCheck(true, _user, _time.GetUtcNow().AddHours(1)));
        await before;

        Assert.False(after.Active);
        Assert.False((await cache.Session(_session, _ => { _fetches++; return Task.FromResult(SessionCheck.Inactive); })).Active);
        Assert.Equal(3, _fetches);
    }

    [Fact]
    public async Task Copies_made_together_expire_at_different_times_between_half_and_all_of_their_age()
    {
        var cache = Cache();
        var sessions = Enumerable.Range(0, 200).Select(_ => Guid.NewGuid()).ToList();
        foreach (var session in sessions)
        {
            await cache.Session(session, Live);
        }

        async Task<int> Expired()
        {
            var before = _fetches;
            foreach (var session in sessions)
            {
                await cache.Session(session, Live);
            }

            return _fetches - before;
        }

        _time.Advance(cache.MaxAge / 2 - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, await Expired());

        // Refetched copies start a new age; what matters is that the first ones did not all go at once.
        _time.Advance(cache.MaxAge / 4);
        var firstWave = await Expired();
        Assert.InRange(firstWave, 1, sessions.Count - 1);

        _time.Advance(cache.MaxAge / 4 + TimeSpan.FromMilliseconds(2));
        Assert.Equal(sessions.Count - firstWave, await Expired());
    }
}
