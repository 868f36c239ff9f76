using Api.Security;
using Grains.Interfaces;
using Grains.Interfaces.Sessions;
using Microsoft.Extensions.Time.Testing;

namespace Tests.Security;

/// <summary>The front end's copy of session checks: used only while trusted, dropped on announcement, never stale past its age.</summary>
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

    private Task<SessionCheck> Live()
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
        var after = await cache.Session(_session, () => Task.FromResult(SessionCheck.Inactive));

        Assert.False(after.Active);
    }

    [Fact]
    public async Task An_announcement_that_arrives_during_the_fetch_keeps_the_answer_out_of_the_cache()
    {
        var cache = Cache();
        await cache.Session(_session, async () =>
        {
            var answer = await Live();
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
        await cache.Session(ended, () => { _fetches++; return Task.FromResult(SessionCheck.Inactive); });
        await cache.Session(ended, () => { _fetches++; return Task.FromResult(SessionCheck.Inactive); });
        Assert.Equal(4, _fetches);
    }

    [Fact]
    public async Task A_session_about_to_expire_is_kept_only_until_it_expires()
    {
        var cache = Cache();
        var soon = new SessionCheck(true, _user, _time.GetUtcNow().AddSeconds(2));
        await cache.Session(_session, () => { _fetches++; return Task.FromResult(soon); });
        _time.Advance(TimeSpan.FromSeconds(3));

        await cache.Session(_session, () => { _fetches++; return Task.FromResult(SessionCheck.Inactive); });

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
}
