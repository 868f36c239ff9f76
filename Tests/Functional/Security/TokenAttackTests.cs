using System.Net;
using Grains.Interfaces.Sessions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using Tests.Http;
using Tests.Infrastructure;

namespace Tests.Security;

/// <summary>
/// Forged and stale access tokens against both front ends (docs/contract.md, Auth API: algorithm, issuer, audience and
/// lifetime are pinned, and the session is checked live). Every forgery starts from a live user and
/// session, so each one fails for the single thing it changes.
/// </summary>
[Collection(FrontEnds.Name)]
public sealed class TokenAttackTests(FrontEndsFixture api)
{
    [Fact]
    public async Task A_token_forged_with_the_real_key_and_live_claims_is_accepted_so_each_forgery_below_fails_for_one_reason()
    {
        var (user, sid) = await LiveUser();

        var token = TokenForge.Sign(TokenForge.Genuine(user, sid));

        Assert.Equal(HttpStatusCode.OK, (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.Users.Send(HttpMethod.Get, $"/user/{user}", token: token)).StatusCode);
    }

    [Fact]
    public async Task An_alg_none_token_is_rejected_by_both_front_ends()
    {
        var (user, sid) = await LiveUser();

        await AssertRejectedByBothFrontEnds(TokenForge.Unsigned(TokenForge.Genuine(user, sid)), user);
    }

    [Fact]
    public async Task An_alg_none_token_keeping_the_original_signature_is_rejected_by_both_front_ends()
    {
        var (user, sid) = await LiveUser();
        var genuine = TokenForge.Sign(TokenForge.Genuine(user, sid)).Split('.');
        var noneHeader = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");

        await AssertRejectedByBothFrontEnds($"{noneHeader}.{genuine[1]}.{genuine[2]}", user);
    }

    [Fact]
    public async Task An_hs512_token_signed_with_the_same_key_is_rejected_by_both_front_ends()
    {
        var (user, sid) = await LiveUser();

        await AssertRejectedByBothFrontEnds(TokenForge.Hs512(TokenForge.Genuine(user, sid)), user);
    }

    [Fact]
    public async Task An_rs256_header_over_an_hmac_with_the_secret_as_public_key_is_rejected_by_both_front_ends()
    {
        var (user, sid) = await LiveUser();

        await AssertRejectedByBothFrontEnds(TokenForge.Rs256HeaderOverHmac(TokenForge.Genuine(user, sid)), user);
    }

    [Fact]
    public async Task An_rs256_token_carrying_its_own_public_key_is_rejected_by_both_front_ends()
    {
        var (user, sid) = await LiveUser();

        await AssertRejectedByBothFrontEnds(TokenForge.Rs256WithEmbeddedKey(TokenForge.Genuine(user, sid)), user);
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_rejected_by_both_front_ends()
    {
        var (user, sid) = await LiveUser();
        var descriptor = TokenForge.Genuine(user, sid);
        descriptor.SigningCredentials = new SigningCredentials(
            new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes("another-secret-that-is-long-enough-for-hs256-xyz")),
            SecurityAlgorithms.HmacSha256);

        await AssertRejectedByBothFrontEnds(TokenForge.Sign(descriptor), user);
    }

    [Fact]
    public async Task A_payload_tampered_under_the_old_signature_is_rejected_by_both_front_ends()
    {
        var session = await api.SignUp();
        var parts = session.AccessToken.Split('.');
        var payload = Base64UrlEncoder.Decode(parts[1]);
        Assert.Contains("\"permissions\":[]", payload);

        var escalated = payload.Replace("\"permissions\":[]", "\"permissions\":[\"admin\"]");

        await AssertRejectedByBothFrontEnds($"{parts[0]}.{Base64UrlEncoder.Encode(escalated)}.{parts[2]}", session.UserId);
    }

    [Fact]
    public async Task An_expired_token_is_rejected_by_both_front_ends()
    {
        var (user, sid) = await LiveUser();
        var descriptor = TokenForge.Genuine(user, sid);
        // Well past the 30 s clock skew the validation allows.
        (descriptor.IssuedAt, descriptor.NotBefore, descriptor.Expires) =
            (DateTime.UtcNow.AddMinutes(-20), DateTime.UtcNow.AddMinutes(-20), DateTime.UtcNow.AddMinutes(-5));

        await AssertRejectedByBothFrontEnds(TokenForge.Sign(descriptor), user);
    }

    [Fact]
    public async Task A_token_that_is_not_yet_valid_is_rejected_by_both_front_ends()
    {
        var (user, sid) = await LiveUser();
        var descriptor = TokenForge.Genuine(user, sid);
        (descriptor.NotBefore, descriptor.Expires) = (DateTime.UtcNow.AddMinutes(5), DateTime.UtcNow.AddMinutes(20));

        await AssertRejectedByBothFrontEnds(TokenForge.Sign(descriptor), user);
    }

    [Fact]
    public async Task A_token_without_an_expiry_is_rejected_by_both_front_ends()
    {
        var (user, sid) = await LiveUser();
        var descriptor = TokenForge.Genuine(user, sid);
        descriptor.Expires = null;

        await AssertRejectedByBothFrontEnds(TokenForge.Sign(descriptor), user);
    }

    [Fact]
    public async Task A_token_from_another_issuer_is_rejected_by_both_front_ends()
    {
        var (user, sid) = await LiveUser();
        var descriptor = TokenForge.Genuine(user, sid);
        descriptor.Issuer = "https://evil.example";

        await AssertRejectedByBothFrontEnds(TokenForge.Sign(descriptor), user);
    }

    [Fact]
    public async Task A_token_for_another_audience_is_rejected_by_both_front_ends()
    {
        var (user, sid) = await LiveUser();
        var descriptor = TokenForge.Genuine(user, sid);
        descriptor.Audience = "billing-service";

        await AssertRejectedByBothFrontEnds(TokenForge.Sign(descriptor), user);
    }

    [Fact]
    public async Task A_validly_signed_token_for_an_unknown_session_is_rejected_by_both_front_ends()
    {
        var (user, _) = await LiveUser();

        await AssertRejectedByBothFrontEnds(TokenForge.Sign(TokenForge.Genuine(user, Guid.NewGuid())), user);
    }

    [Fact]
    public async Task A_validly_signed_token_for_a_revoked_session_is_rejected_by_both_front_ends()
    {
        var session = await api.SignUp();
        var (user, sid) = TokenForge.Ids(session.AccessToken);
        Assert.Equal(HttpStatusCode.NoContent, (await api.Auth.Send(HttpMethod.Post, "/auth/logout", token: session.AccessToken)).StatusCode);

        // A brand-new token (fresh jti and lifetime) still names the revoked session.
        await AssertRejectedByBothFrontEnds(TokenForge.Sign(TokenForge.Genuine(user, sid)), user);
    }

    [Fact]
    public async Task A_validly_signed_token_pairing_one_users_live_session_with_another_user_is_rejected_by_both_front_ends()
    {
        var (_, mallorySession) = await LiveUser();
        var (alice, _) = await LiveUser();

        await AssertRejectedByBothFrontEnds(TokenForge.Sign(TokenForge.Genuine(alice, mallorySession)), alice);
    }

    [Fact]
    public async Task The_tokens_of_a_deleted_user_are_rejected_by_both_front_ends()
    {
        var laptop = await api.SignUp();
        var phone = await api.SignIn(laptop.UserId, laptop.Email, laptop.Password);
        var (user, phoneSession) = TokenForge.Ids(phone.AccessToken);

        Assert.Equal(HttpStatusCode.NoContent, (await api.Users.Send(HttpMethod.Delete, $"/user/{user}", new { currentPassword = laptop.Password }, laptop.AccessToken)).StatusCode);

        await AssertRejectedByBothFrontEnds(laptop.AccessToken, user);
        await AssertRejectedByBothFrontEnds(phone.AccessToken, user);
        await AssertRejectedByBothFrontEnds(TokenForge.Sign(TokenForge.Genuine(user, phoneSession)), user);
        await (await api.Auth.Send(HttpMethod.Post, "/auth/refresh", new { refreshToken = phone.RefreshToken }))
            .AssertProblem(HttpStatusCode.Unauthorized, "invalid_refresh_token");
    }

    [Fact]
    public async Task A_refresh_token_replayed_after_rotation_is_401_and_ends_the_session_on_both_front_ends()
    {
        var session = await api.SignUp();
        var rotated = await (await api.Auth.Send(HttpMethod.Post, "/auth/refresh", new { refreshToken = session.RefreshToken })).Json();
        var newAccess = rotated.GetProperty("accessToken").GetString()!;
        var newRefresh = rotated.GetProperty("refreshToken").GetString()!;

        var replay = await api.Auth.Send(HttpMethod.Post, "/auth/refresh", new { refreshToken = session.RefreshToken });

        await replay.AssertProblem(HttpStatusCode.Unauthorized, "invalid_refresh_token");
        await AssertRejectedByBothFrontEnds(newAccess, session.UserId);
        await AssertRejectedByBothFrontEnds(session.AccessToken, session.UserId);
        await (await api.Auth.Send(HttpMethod.Post, "/auth/refresh", new { refreshToken = newRefresh }))
            .AssertProblem(HttpStatusCode.Unauthorized, "invalid_refresh_token");
    }

    [Fact]
    public async Task A_refresh_token_presented_as_a_bearer_token_is_rejected_by_both_front_ends()
    {
        var session = await api.SignUp();

        await AssertRejectedByBothFrontEnds(session.RefreshToken, session.UserId);
    }

    [Fact]
    public async Task An_access_token_presented_as_a_refresh_token_is_401_and_harms_nothing()
    {
        var session = await api.SignUp();

        var answer = await api.Auth.Send(HttpMethod.Post, "/auth/refresh", new { refreshToken = session.AccessToken });

        await answer.AssertProblem(HttpStatusCode.Unauthorized, "invalid_refresh_token");
        Assert.Equal(HttpStatusCode.OK, (await api.Auth.Send(HttpMethod.Get, "/auth/me", token: session.AccessToken)).StatusCode);
    }

    [Fact]
    public async Task Introspection_reports_every_forged_token_as_inactive()
    {
        var (user, sid) = await LiveUser();

        foreach (var (attack, token) in Forgeries(user, sid))
        {
            var answer = await api.Auth.Introspect(token);

            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.True(!(await answer.Json()).GetProperty("active").GetBoolean(), attack);
        }
    }

    [Fact]
    public async Task Rejected_tokens_create_no_session_or_user_and_change_nothing()
    {
        var victim = await api.SignUp();
        var (user, sid) = TokenForge.Ids(victim.AccessToken);
        var storedBefore = await StoredUsers.Count(api.ServiceId);
        var forgeries = Forgeries(user, sid).ToList();

        foreach (var (attack, token) in forgeries)
        {
            // Every route that takes a bearer token, with the most damaging request each allows.
            var answers = new[]
            {
                await api.Auth.Send(HttpMethod.Post, "/auth/logout", token: token),
                await api.Auth.Send(HttpMethod.Post, "/auth/logout-all", token: token),
                await api.Auth.Send(HttpMethod.Get, "/auth/sessions", token: token),
                await api.Auth.Send(HttpMethod.Delete, $"/auth/sessions/{sid}", token: token),
                await api.Users.Send(HttpMethod.Put, $"/user/update/{user}", new { name = "pwned", permissions = new[] { "admin" } }, token),
                await api.Users.Send(HttpMethod.Delete, $"/user/{user}", token: token),
                await api.Users.Send(HttpMethod.Get, "/user", token: token),
            };
            foreach (var answer in answers)
            {
                Assert.True(answer.StatusCode == HttpStatusCode.Unauthorized, $"{attack}: {answer.RequestMessage!.RequestUri} gave {answer.StatusCode}");
            }

            // Registration takes an optional token: a forged one must not make its holder an admin.
            var register = await api.Users.Send(HttpMethod.Post, "/user/create", new { name = "Mallory", email = ApiCalls.UniqueEmail(), password = "correct horse battery", permissions = new[] { "admin" } }, token);
            Assert.True(register.StatusCode == HttpStatusCode.Forbidden, $"{attack}: registration gave {register.StatusCode}");
        }

        var sessions = await (await api.Auth.Send(HttpMethod.Get, "/auth/sessions", token: victim.AccessToken)).Json();
        Assert.Equal([sid], sessions.EnumerateArray().Select(s => s.GetProperty("id").GetGuid()));
        var me = await api.Users.Send(HttpMethod.Get, $"/user/{user}", token: victim.AccessToken);
        Assert.Equal("\"1\"", me.Headers.ETag?.Tag);
        Assert.Equal(storedBefore, await StoredUsers.Count(api.ServiceId));

        // The unknown sessions the forgeries named were looked up, never started.
        using var client = await api.StartClusterClient();
        var grains = client.Services.GetRequiredService<IGrainFactory>();
        foreach (var named in forgeries.Select(f => TokenForge.Ids(f.Token).SessionId).Where(s => s != sid).Distinct())
        {
            Assert.Null(await grains.Session(named).GetInfo());
        }

        await client.StopAsync();
    }

    /// <summary>One of each forgery above, for the tests that try them all.</summary>
    private static IEnumerable<(string Attack, string Token)> Forgeries(Guid user, Guid sid)
    {
        yield return ("alg none", TokenForge.Unsigned(TokenForge.Genuine(user, sid)));
        yield return ("HS512 with the same key", TokenForge.Hs512(TokenForge.Genuine(user, sid)));
        yield return ("RS256 header over an HMAC", TokenForge.Rs256HeaderOverHmac(TokenForge.Genuine(user, sid)));
        yield return ("RS256 with an embedded key", TokenForge.Rs256WithEmbeddedKey(TokenForge.Genuine(user, sid)));
        yield return ("admin claim added under the old signature", TamperedToAdmin(TokenForge.Sign(TokenForge.Genuine(user, sid))));

        var expired = TokenForge.Genuine(user, sid);
        (expired.IssuedAt, expired.NotBefore, expired.Expires) = (DateTime.UtcNow.AddHours(-2), DateTime.UtcNow.AddHours(-2), DateTime.UtcNow.AddHours(-1));
        yield return ("expired", TokenForge.Sign(expired));

        var early = TokenForge.Genuine(user, sid);
        (early.NotBefore, early.Expires) = (DateTime.UtcNow.AddMinutes(5), DateTime.UtcNow.AddMinutes(20));
        yield return ("not yet valid", TokenForge.Sign(early));

        var issuer = TokenForge.Genuine(user, sid);
        issuer.Issuer = "https://evil.example";
        yield return ("wrong issuer", TokenForge.Sign(issuer));

        var audience = TokenForge.Genuine(user, sid);
        audience.Audience = "billing-service";
        yield return ("wrong audience", TokenForge.Sign(audience));

        yield return ("unknown session", TokenForge.Sign(TokenForge.Genuine(user, Guid.NewGuid())));
        yield return ("unknown session claiming admin", TokenForge.Sign(TokenForge.Genuine(user, Guid.NewGuid(), "admin")));
    }

    private static string TamperedToAdmin(string token)
    {
        var parts = token.Split('.');
        var payload = Base64UrlEncoder.Decode(parts[1]).Replace("\"permissions\":[]", "\"permissions\":[\"admin\"]");
        return $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";
    }

    private async Task<(Guid User, Guid Session)> LiveUser() => TokenForge.Ids((await api.SignUp()).AccessToken);

    private async Task AssertRejectedByBothFrontEnds(string token, Guid userId)
    {
        foreach (var answer in new[]
                 {
                     await api.Auth.Send(HttpMethod.Get, "/auth/me", token: token),
                     await api.Users.Send(HttpMethod.Get, $"/user/{userId}", token: token),
                 })
        {
            await answer.AssertProblem(HttpStatusCode.Unauthorized, "unauthenticated");
            Assert.Equal("Bearer", answer.Headers.WwwAuthenticate.ToString());
        }
    }
}
