using System.Diagnostics.Metrics;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Api.Hosting;
using Api.Tokens;
using Grains.Interfaces.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Tests.Http;

namespace Tests.Tokens;

/// <summary>
/// RS256/ES256 inside the product: the ring the cluster keeps, its JWKS and discovery documents, rotation
/// with a moved clock, and every forgery a key ring invites.
/// </summary>
public abstract class KeyRingTests<TCluster>(TCluster cluster) : IClassFixture<TCluster>
    where TCluster : KeyRingCluster
{
    private static readonly string[] PrivateMembers = ["d", "p", "q", "dp", "dq", "qi", "k"];

    [Fact]
    public async Task Tokens_name_a_published_key_and_are_accepted_by_every_front_end()
    {
        var user = await cluster.SignUp(cluster.AuthA);
        var kid = RingForge.Kid(user.AccessToken);

        var jwksAnswer = await cluster.AuthA.GetAsync("/.well-known/jwks.json");
        var keys = (await jwksAnswer.Json()).GetProperty("keys").EnumerateArray().ToList();

        Assert.Equal("public, max-age=300", jwksAnswer.Headers.CacheControl?.ToString());
        Assert.Contains(keys, k => k.GetProperty("kid").GetString() == kid);
        Assert.All(keys, key =>
        {
            Assert.Equal(cluster.Algorithm, key.GetProperty("alg").GetString());
            Assert.Equal("sig", key.GetProperty("use").GetString());
            Assert.Equal(cluster.Algorithm == "RS256" ? "RSA" : "EC", key.GetProperty("kty").GetString());
            Assert.DoesNotContain(key.EnumerateObject(), member => PrivateMembers.Contains(member.Name));
        });
        Assert.Equal(HttpStatusCode.OK, await Me(cluster.AuthA, user.AccessToken));
        Assert.Equal(HttpStatusCode.OK, await Me(cluster.AuthB, user.AccessToken));
        Assert.Equal(HttpStatusCode.OK, (await cluster.Users.Send(HttpMethod.Get, $"/user/{user.UserId}", token: user.AccessToken)).StatusCode);
    }

    [Fact]
    public async Task A_front_end_that_looked_before_the_first_key_existed_accepts_that_keys_tokens_at_once()
    {
        // A new cluster, used as the README's walk-through uses it: register on the User API (which loads the ring,
        // still empty), log in on the Auth API (which makes the first key), then read on the User API.
        var fresh = (TCluster)Activator.CreateInstance(typeof(TCluster))!;
        await fresh.InitializeAsync();
        try
        {
            var user = await fresh.SignUp(fresh.AuthA);

            Assert.Equal(HttpStatusCode.OK, (await fresh.Users.Send(HttpMethod.Get, $"/user/{user.UserId}", token: user.AccessToken)).StatusCode);
        }
        finally
        {
            await fresh.DisposeAsync();
        }
    }

    [Fact]
    public async Task Discovery_names_the_issuer_the_jwks_the_endpoints_and_the_algorithm()
    {
        foreach (var path in new[] { "/.well-known/openid-configuration", "/.well-known/oauth-authorization-server" })
        {
            var answer = await cluster.AuthA.GetAsync(path);
            var metadata = await answer.Json();

            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.True(answer.Headers.CacheControl?.Public, path);
            Assert.Equal(cluster.Issuer, metadata.GetProperty("issuer").GetString());
            Assert.Equal($"{cluster.Issuer}/.well-known/jwks.json", metadata.GetProperty("jwks_uri").GetString());
            Assert.Equal($"{cluster.Issuer}/auth/introspect", metadata.GetProperty("introspection_endpoint").GetString());
            Assert.Equal($"{cluster.Issuer}/auth/revoke", metadata.GetProperty("revocation_endpoint").GetString());
            Assert.Equal([cluster.Algorithm], metadata.GetProperty("id_token_signing_alg_values_supported").EnumerateArray().Select(a => a.GetString()));
        }
    }

    [Fact]
    public async Task Rotation_publishes_the_next_key_ahead_switches_every_front_end_at_once_and_logs_nobody_out()
    {
        var first = await StartOfAKeysLife();
        var early = await cluster.SignUp(cluster.AuthA);
        Assert.Equal(first.KeyId, RingForge.Kid(early.AccessToken));

        // The next key is due: both front ends notice at the same moment and may both propose one.
        cluster.Clock.SetUtcNow(first.ActivatesAt + KeyRingCluster.Rotation - KeyRingCluster.PublishAhead + TimeSpan.FromMinutes(1));
        var published = await Task.WhenAll(Kids(cluster.AuthA), Kids(cluster.AuthB));
        var ring = await cluster.StoredRing();
        var next = ring.Keys[^1];

        Assert.Equal(2, ring.Keys.Count);
        Assert.Equal(new[] { first.KeyId, next.KeyId }.Order(), published[0].Order());
        Assert.Equal(published[0].Order(), published[1].Order());
        Assert.True(next.ActivatesAt - cluster.Clock.GetUtcNow() >= KeyRingCluster.PublishAhead - TimeSpan.FromMinutes(1));

        // Published but not signing yet: both front ends still sign with the first key.
        cluster.Clock.SetUtcNow(next.ActivatesAt - TimeSpan.FromMinutes(1));
        var lastOfFirst = await cluster.SignUp(cluster.AuthB);
        Assert.Equal(first.KeyId, RingForge.Kid(lastOfFirst.AccessToken));
        Assert.Equal(first.KeyId, RingForge.Kid((await cluster.SignUp(cluster.AuthA)).AccessToken));

        // Rotated: both sign with the next key, and the token signed a minute before still works everywhere.
        cluster.Clock.SetUtcNow(next.ActivatesAt + TimeSpan.FromMinutes(1));
        Assert.Equal(next.KeyId, RingForge.Kid((await cluster.SignUp(cluster.AuthA)).AccessToken));
        Assert.Equal(next.KeyId, RingForge.Kid((await cluster.SignUp(cluster.AuthB)).AccessToken));
        Assert.Equal(HttpStatusCode.OK, await Me(cluster.AuthA, lastOfFirst.AccessToken));
        Assert.Equal(HttpStatusCode.OK, await Me(cluster.AuthB, lastOfFirst.AccessToken));
        Assert.Equal(HttpStatusCode.OK, (await cluster.Users.Send(HttpMethod.Get, $"/user/{lastOfFirst.UserId}", token: lastOfFirst.AccessToken)).StatusCode);

        // Nobody is logged out: a session from before the rotation refreshes into a token of the next key.
        var refreshed = await cluster.AuthB.Send(HttpMethod.Post, "/auth/refresh", new { refreshToken = early.RefreshToken });
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        var renewed = (await refreshed.Json()).GetProperty("accessToken").GetString()!;
        Assert.Equal(next.KeyId, RingForge.Kid(renewed));
        Assert.Equal(HttpStatusCode.OK, await Me(cluster.AuthA, renewed));

        // The old token lives exactly its lifetime; its key stays published until then, and a while for skew.
        cluster.Clock.SetUtcNow(next.ActivatesAt - TimeSpan.FromMinutes(1) + KeyRingCluster.TokenLifetime + TimeSpan.FromSeconds(31));
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(cluster.AuthA, lastOfFirst.AccessToken));
        Assert.Contains(first.KeyId, await Kids(cluster.AuthA));
        cluster.Clock.SetUtcNow(next.ActivatesAt + KeyRingCluster.TokenLifetime + TimeSpan.FromMinutes(6));
        Assert.Equal([next.KeyId], await Kids(cluster.AuthA));
        Assert.Equal([next.KeyId], await Kids(cluster.AuthB));
    }

    [Fact]
    public async Task Forged_tokens_are_refused_by_every_front_end_while_the_same_claims_under_the_real_key_pass()
    {
        var current = await StartOfAKeysLife();
        var user = await cluster.SignUp(cluster.AuthA);
        var (userId, sessionId) = Security.TokenForge.Ids(user.AccessToken);
        Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor Claims() => RingForge.Claims(userId, sessionId, cluster.Issuer, cluster.Clock.GetUtcNow());
        const string jku = "http://127.0.0.1:9/jwks.json";

        await AcceptedEverywhere(RingForge.WithRingKey(current, Claims()));
        var forgeries = new Dictionary<string, string>
        {
            ["HS256 with the public key as the secret"] = RingForge.HmacWithPublicKey(current, Claims()),
            ["alg none"] = RingForge.Unsigned(current.KeyId, Claims()),
            ["unknown kid"] = RingForge.WithAttackerKey(current.Algorithm, "not-a-kid-of-ours", Claims()),
            ["attacker key under the real kid"] = RingForge.WithAttackerKey(current.Algorithm, current.KeyId, Claims()),
            ["attacker key embedded as jwk"] = RingForge.WithAttackerKey(current.Algorithm, "attacker", Claims(), jwk => new Dictionary<string, object> { ["jwk"] = RingForge.PublicMembers(jwk) }),
            ["attacker key behind jku"] = RingForge.WithAttackerKey(current.Algorithm, "attacker", Claims(), _ => new Dictionary<string, object> { ["jku"] = jku }),
            ["attacker key behind x5u"] = RingForge.WithAttackerKey(current.Algorithm, "attacker", Claims(), _ => new Dictionary<string, object> { ["x5u"] = "http://127.0.0.1:9/cert.pem" }),
            // Signed with the real key: only the header members make these wrong.
            ["real key, jku header"] = RingForge.WithRingKey(current, Claims(), new Dictionary<string, object> { ["jku"] = jku }),
            ["real key, x5u header"] = RingForge.WithRingKey(current, Claims(), new Dictionary<string, object> { ["x5u"] = "http://127.0.0.1:9/cert.pem" }),
            ["real key, its own jwk header"] = RingForge.WithRingKey(current, Claims(), new Dictionary<string, object>
            {
                ["jwk"] = RingForge.PublicMembers(SigningKeyMaterial.Jwk(current)),
            }),
        };

        foreach (var (attack, token) in forgeries)
        {
            Assert.True(HttpStatusCode.Unauthorized == await Me(cluster.AuthA, token), $"{attack} passed on auth A");
            Assert.True(HttpStatusCode.Unauthorized == await Me(cluster.AuthB, token), $"{attack} passed on auth B");
            var users = await cluster.Users.Send(HttpMethod.Get, $"/user/{userId}", token: token);
            Assert.True(HttpStatusCode.Unauthorized == users.StatusCode, $"{attack} passed on the user API");
        }
    }

    [Fact]
    public async Task A_remembered_verdict_passes_no_other_signature_ends_at_the_tokens_expiry_and_leaves_logout_immediate()
    {
        await StartOfAKeysLife();
        var user = await cluster.SignUp(cluster.AuthA);
        // Validated once on every front end: from here on each holds its verdict on these exact bytes.
        await AcceptedEverywhere(user.AccessToken);
        await AcceptedEverywhere(user.AccessToken);

        // The same header and claims, the signature's first byte changed: every byte of it must still count.
        var parts = user.AccessToken.Split('.');
        var badSignature = $"{parts[0]}.{parts[1]}.{(parts[2][0] == 'A' ? 'B' : 'A')}{parts[2][1..]}";
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(cluster.AuthA, badSignature));
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(cluster.AuthB, badSignature));
        Assert.Equal(HttpStatusCode.Unauthorized, (await cluster.Users.Send(HttpMethod.Get, $"/user/{user.UserId}", token: badSignature)).StatusCode);
        await AcceptedEverywhere(user.AccessToken);

        // A remembered verdict is about the signature only: a logout still ends the session everywhere at once.
        var second = await (await cluster.AuthB.Login(user.Email, user.Password)).Json();
        var secondToken = second.GetProperty("accessToken").GetString()!;
        await AcceptedEverywhere(secondToken);
        await AcceptedEverywhere(secondToken);
        Assert.Equal(HttpStatusCode.NoContent, (await cluster.AuthB.Send(HttpMethod.Post, "/auth/logout", token: secondToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(cluster.AuthA, secondToken));
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(cluster.AuthB, secondToken));
        Assert.Equal(HttpStatusCode.Unauthorized, (await cluster.Users.Send(HttpMethod.Get, $"/user/{user.UserId}", token: secondToken)).StatusCode);
        await AcceptedEverywhere(user.AccessToken);

        // Past its expiry and the 30 s of clock skew validation allows: refused although the session is live.
        cluster.Clock.Advance(KeyRingCluster.TokenLifetime + TimeSpan.FromSeconds(31));
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(cluster.AuthA, user.AccessToken));
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(cluster.AuthB, user.AccessToken));
        Assert.Equal(HttpStatusCode.Unauthorized, (await cluster.Users.Send(HttpMethod.Get, $"/user/{user.UserId}", token: user.AccessToken)).StatusCode);
    }

    [Fact]
    public async Task A_token_seen_before_is_not_verified_again_but_one_differing_in_a_byte_is()
    {
        using var verdicts = new MetricCollector<long>(
            cluster.AuthBServices.GetRequiredService<IMeterFactory>(), AuthMetrics.MeterName, "auth.access_tokens");
        var user = await cluster.SignUp(cluster.AuthA);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await Me(cluster.AuthB, user.AccessToken));
        }

        Assert.Equal((Checked: 1, Remembered: 2), Verdicts(verdicts));

        // The same header and claims, the signature's first byte changed: checked in full, and refused.
        var parts = user.AccessToken.Split('.');
        var forged = $"{parts[0]}.{parts[1]}.{(parts[2][0] == 'A' ? 'B' : 'A')}{parts[2][1..]}";
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(cluster.AuthB, forged));
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(cluster.AuthB, forged));
        Assert.Equal((Checked: 3, Remembered: 2), Verdicts(verdicts));
    }

    private static (long Checked, long Remembered) Verdicts(MetricCollector<long> verdicts)
    {
        var all = verdicts.GetMeasurementSnapshot();
        return (all.Where(m => m.MatchesTags(new KeyValuePair<string, object?>("verdict", "checked"))).Sum(m => m.Value),
            all.Where(m => m.MatchesTags(new KeyValuePair<string, object?>("verdict", "remembered"))).Sum(m => m.Value));
    }

    [Fact]
    public async Task A_retired_key_is_refused_once_its_last_token_has_expired_even_for_fresh_claims()
    {
        var retired = await StartOfAKeysLife();
        var user = await cluster.SignUp(cluster.AuthA);
        var (userId, sessionId) = Security.TokenForge.Ids(user.AccessToken);
        var next = await StartOfAKeysLife();
        Assert.NotEqual(retired.KeyId, next.KeyId);

        // Retired, but a token it signed may still be alive: accepted.
        await AcceptedEverywhere(RingForge.WithRingKey(retired, RingForge.Claims(userId, sessionId, cluster.Issuer, cluster.Clock.GetUtcNow())));

        cluster.Clock.SetUtcNow(next.ActivatesAt + KeyRingCluster.TokenLifetime + TimeSpan.FromMinutes(5) + TimeSpan.FromMinutes(1));
        var stolen = RingForge.WithRingKey(retired, RingForge.Claims(userId, sessionId, cluster.Issuer, cluster.Clock.GetUtcNow()));

        Assert.Equal(HttpStatusCode.Unauthorized, await Me(cluster.AuthA, stolen));
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(cluster.AuthB, stolen));
        Assert.Equal(HttpStatusCode.Unauthorized, (await cluster.Users.Send(HttpMethod.Get, $"/user/{userId}", token: stolen)).StatusCode);
        Assert.DoesNotContain(retired.KeyId, await Kids(cluster.AuthA));
        await AcceptedEverywhere(RingForge.WithRingKey(next, RingForge.Claims(userId, sessionId, cluster.Issuer, cluster.Clock.GetUtcNow())));
    }

    [Fact]
    public async Task A_remembered_verdict_ends_when_its_key_leaves_the_ring_even_before_the_token_expires()
    {
        using var verdicts = new MetricCollector<long>(
            cluster.AuthBServices.GetRequiredService<IMeterFactory>(), AuthMetrics.MeterName, "auth.access_tokens");
        var retiring = await StartOfAKeysLife();
        var user = await cluster.SignUp(cluster.AuthA);
        var (userId, sessionId) = Security.TokenForge.Ids(user.AccessToken);
        // Signed by the ring's key, live far beyond the key's retention: only the key's removal can end it.
        var claims = RingForge.Claims(userId, sessionId, cluster.Issuer, cluster.Clock.GetUtcNow());
        claims.Expires = cluster.Clock.GetUtcNow().UtcDateTime + KeyRingCluster.Rotation * 3;
        var longLived = RingForge.WithRingKey(retiring, claims);
        Assert.Equal(HttpStatusCode.OK, await Me(cluster.AuthB, longLived));
        Assert.Equal(HttpStatusCode.OK, await Me(cluster.AuthB, longLived));
        Assert.Equal((Checked: 1, Remembered: 1), Verdicts(verdicts));

        var next = await StartOfAKeysLife();
        cluster.Clock.SetUtcNow(next.ActivatesAt + KeyRingCluster.TokenLifetime + TimeSpan.FromMinutes(5) + TimeSpan.FromMinutes(1));
        await Kids(cluster.AuthB);

        Assert.DoesNotContain(retiring.KeyId, await Kids(cluster.AuthB));
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(cluster.AuthB, longLived));
    }

    [Fact]
    public async Task Private_keys_are_stored_sealed_and_a_front_end_without_the_encryption_key_neither_signs_nor_spoils_the_ring()
    {
        var current = await StartOfAKeysLife();
        var user = await cluster.SignUp(cluster.AuthA);
        var wrongKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var stranger = await cluster.StartAuth(FreePort.Next(), ("JWT_KEY_ENCRYPTION_KEY", wrongKey));

        foreach (var key in (await cluster.StoredRing()).Keys)
        {
            using var rsa = RSA.Create();
            using var ec = ECDsa.Create();
            Assert.ThrowsAny<CryptographicException>(() => rsa.ImportPkcs8PrivateKey(key.EncryptedPrivateKey, out _));
            Assert.ThrowsAny<CryptographicException>(() => ec.ImportPkcs8PrivateKey(key.EncryptedPrivateKey, out _));
            Assert.ThrowsAny<CryptographicException>(() => new PrivateKeyProtector(Convert.FromBase64String(wrongKey)).Open(key.KeyId, key.EncryptedPrivateKey));
        }

        // It still validates (public keys need no secret) but refuses to sign, as a 503 rather than a bad token.
        Assert.Equal(HttpStatusCode.OK, await Me(stranger, user.AccessToken));
        await (await stranger.Login(user.Email, user.Password)).AssertProblem(HttpStatusCode.ServiceUnavailable, "unavailable");

        // When the next key is due and the stranger looks first, it must not slip in a key only it could open.
        cluster.Clock.SetUtcNow(current.ActivatesAt + KeyRingCluster.Rotation - KeyRingCluster.PublishAhead + TimeSpan.FromMinutes(1));
        await Kids(stranger);
        Assert.Equal([current.KeyId], (await cluster.StoredRing()).Keys.Select(k => k.KeyId).TakeLast(1));
        var next = await StartOfAKeysLife();
        Assert.Equal(next.KeyId, RingForge.Kid((await cluster.SignUp(cluster.AuthA)).AccessToken));
    }

    /// <summary>
    /// Moves the clock until a key has just started signing and no next key exists yet; the tests share
    /// one clock and ring, so each starts from this point wherever the last one left them.
    /// </summary>
    private async Task<SigningKey> StartOfAKeysLife()
    {
        await Kids(cluster.AuthA);
        var ring = await cluster.StoredRing();
        var now = cluster.Clock.GetUtcNow();
        var current = KeyRingSchedule.Current(ring.Keys, now)!;
        if (ring.Keys[^1].ActivatesAt <= now)
        {
            // Make the next key and let it take over.
            cluster.Clock.SetUtcNow(Later(now, current.ActivatesAt + KeyRingCluster.Rotation - KeyRingCluster.PublishAhead));
            await Kids(cluster.AuthA);
            ring = await cluster.StoredRing();
        }

        var newest = ring.Keys[^1];
        cluster.Clock.SetUtcNow(Later(cluster.Clock.GetUtcNow(), newest.ActivatesAt));
        await Task.WhenAll(Kids(cluster.AuthA), Kids(cluster.AuthB), Kids(cluster.Users));
        return newest;
    }

    // A minute past the later of the two: every front end's ring copy is then due for a refresh.
    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => (a > b ? a : b) + TimeSpan.FromMinutes(1);

    private async Task AcceptedEverywhere(string token)
    {
        var (userId, _) = Security.TokenForge.Ids(token);
        Assert.Equal(HttpStatusCode.OK, await Me(cluster.AuthA, token));
        Assert.Equal(HttpStatusCode.OK, await Me(cluster.AuthB, token));
        Assert.Equal(HttpStatusCode.OK, (await cluster.Users.Send(HttpMethod.Get, $"/user/{userId}", token: token)).StatusCode);
    }

    private static async Task<HttpStatusCode> Me(HttpClient auth, string token) =>
        (await auth.Send(HttpMethod.Get, "/auth/me", token: token)).StatusCode;

    /// <summary>The kids a front end publishes (the user API serves no JWKS, so it is only made to refresh its ring).</summary>
    private async Task<string[]> Kids(HttpClient frontEnd)
    {
        if (frontEnd == cluster.Users)
        {
            await frontEnd.Send(HttpMethod.Get, $"/user/{Guid.NewGuid()}", token: "x");
            return [];
        }

        var jwks = await (await frontEnd.GetAsync("/.well-known/jwks.json")).Json();
        return [.. jwks.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!)];
    }
}

public sealed class Rs256KeyRingTests(Rs256Cluster cluster) : KeyRingTests<Rs256Cluster>(cluster);

public sealed class Es256KeyRingTests(Es256Cluster cluster) : KeyRingTests<Es256Cluster>(cluster);
