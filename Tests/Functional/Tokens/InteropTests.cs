using System.Net;
using Grains.Interfaces.Tokens;
using Microsoft.IdentityModel.Tokens;
using Tests.Http;
using Tests.Infrastructure;

namespace Tests.Tokens;

/// <summary>
/// A key-ring cluster whose token clock is set so that the rotation happens just before real time: the
/// outside verifiers judge lifetimes by the real clock, so the tokens they are shown must be alive now.
/// </summary>
public abstract class InteropCluster : KeyRingCluster
{
    public OutsideVerifiers Outside { get; private set; } = null!;

    /// <summary>When the second key takes over (and the clock stands until a test moves it): just before now.</summary>
    public DateTimeOffset SecondKeyActivates { get; } = DateTimeOffset.UtcNow - TimeSpan.FromMinutes(1);

    protected override DateTimeOffset ClockStart => SecondKeyActivates - Rotation;

    protected override async Task OnStarted()
    {
        // The first key is made at the start; then the clock waits just before its successor is due.
        Assert.Equal(HttpStatusCode.OK, (await AuthA.GetAsync("/.well-known/jwks.json")).StatusCode);
        Clock.SetUtcNow(SecondKeyActivates - PublishAhead - TimeSpan.FromMinutes(2));
        Outside = await OutsideVerifiers.Start(Issuer, "auth-service");
    }

    public override async Task DisposeAsync()
    {
        await Outside.DisposeAsync();
        await base.DisposeAsync();
    }
}

public sealed class Rs256InteropCluster : InteropCluster
{
    public override string Algorithm => "RS256";
}

public sealed class Es256InteropCluster : InteropCluster
{
    public override string Algorithm => "ES256";
}

/// <summary>Our tokens checked by verifiers nobody here wrote: ASP.NET Core's JwtBearer and Node's jose.</summary>
public abstract class InteropTests<TCluster>(TCluster cluster) : IClassFixture<TCluster>
    where TCluster : InteropCluster
{
    [Fact]
    public async Task Outside_verifiers_accept_our_tokens_and_refuse_forged_ones()
    {
        var ring = await cluster.StoredRing();
        var key = ring.Keys[0];
        var user = Guid.NewGuid();
        SecurityTokenDescriptor Claims() => RingForge.Claims(user, Guid.NewGuid(), cluster.Issuer, DateTimeOffset.UtcNow);

        var genuine = RingForge.WithRingKey(key, Claims());
        Assert.True(await cluster.Outside.AspNetAccepts(genuine), "JwtBearer refused a token signed with the ring's key");
        Assert.True(await cluster.Outside.JoseAccepts(genuine), "jose refused a token signed with the ring's key");

        var forgeries = new Dictionary<string, string>
        {
            ["HS256 with the public key as the secret"] = RingForge.HmacWithPublicKey(key, Claims()),
            ["alg none"] = RingForge.Unsigned(key.KeyId, Claims()),
            ["unknown kid"] = RingForge.WithAttackerKey(key.Algorithm, "not-a-kid-of-ours", Claims()),
            ["attacker key under the real kid"] = RingForge.WithAttackerKey(key.Algorithm, key.KeyId, Claims()),
            ["attacker key embedded as jwk"] = RingForge.WithAttackerKey(key.Algorithm, "attacker", Claims(), jwk => new Dictionary<string, object> { ["jwk"] = RingForge.PublicMembers(jwk) }),
            ["attacker key behind jku"] = RingForge.WithAttackerKey(key.Algorithm, "attacker", Claims(), _ => new Dictionary<string, object> { ["jku"] = "http://127.0.0.1:9/jwks.json" }),
            ["tampered payload"] = Tampered(genuine),
        };
        foreach (var (attack, token) in forgeries)
        {
            Assert.False(await cluster.Outside.AspNetAccepts(token), $"JwtBearer accepted: {attack}");
            Assert.False(await cluster.Outside.JoseAccepts(token), $"jose accepted: {attack}");
        }
    }

    [Fact]
    public async Task Outside_verifiers_follow_a_rotation_without_a_restart_and_keep_accepting_older_tokens()
    {
        // Verifiers of their own, so no other test has spent JwtBearer's one immediate re-read on an unknown kid
        // (after that, it re-reads at most every 5 minutes, and on its own every 12 hours: well inside the day a
        // key is published before it signs). They see the JWKS while it holds only the first key.
        await using var outside = await OutsideVerifiers.Start(cluster.Issuer, "auth-service");
        var first = (await cluster.StoredRing()).Keys.Single();
        var stale = RingForge.WithRingKey(first, RingForge.Claims(Guid.NewGuid(), Guid.NewGuid(), cluster.Issuer, DateTimeOffset.UtcNow));
        Assert.True(await outside.AspNetAccepts(stale));
        Assert.True(await outside.JoseAccepts(stale));

        // The next key is published a day ahead, then takes over a minute ago (real time).
        cluster.Clock.SetUtcNow(cluster.SecondKeyActivates - KeyRingCluster.PublishAhead);
        Assert.Equal(HttpStatusCode.OK, (await cluster.AuthA.GetAsync("/.well-known/jwks.json")).StatusCode);
        cluster.Clock.SetUtcNow(cluster.SecondKeyActivates - TimeSpan.FromSeconds(30));
        var before = await cluster.SignUp(cluster.AuthA);
        cluster.Clock.SetUtcNow(DateTimeOffset.UtcNow);
        var after = await cluster.SignUp(cluster.AuthB);
        var second = (await cluster.StoredRing()).Keys[^1];

        Assert.Equal(first.KeyId, RingForge.Kid(before.AccessToken));
        Assert.Equal(second.KeyId, RingForge.Kid(after.AccessToken));
        Assert.NotEqual(first.KeyId, second.KeyId);

        // An unknown kid makes both fetch the JWKS again, each at its own pace (jose waits out a 30 s cooldown).
        Assert.True(await Poll.Until(() => outside.AspNetAccepts(after.AccessToken), accepted => accepted, seconds: 60), "JwtBearer never picked up the new key");
        Assert.True(await Poll.Until(() => outside.JoseAccepts(after.AccessToken), accepted => accepted, seconds: 60), "jose never picked up the new key");
        Assert.True(await outside.AspNetAccepts(before.AccessToken), "JwtBearer refused a token signed before the rotation");
        Assert.True(await outside.JoseAccepts(before.AccessToken), "jose refused a token signed before the rotation");
        Assert.Equal(HttpStatusCode.OK, (await cluster.AuthB.Send(HttpMethod.Get, "/auth/me", token: before.AccessToken)).StatusCode);
    }

    private static string Tampered(string token)
    {
        var parts = token.Split('.');
        var payload = Base64UrlEncoder.Decode(parts[1]).Replace("\"sub\":\"", "\"sub\":\"0", StringComparison.Ordinal);
        return $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";
    }
}

public sealed class Rs256InteropTests(Rs256InteropCluster cluster) : InteropTests<Rs256InteropCluster>(cluster);

public sealed class Es256InteropTests(Es256InteropCluster cluster) : InteropTests<Es256InteropCluster>(cluster);
