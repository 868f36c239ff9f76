using System.Net;
using Microsoft.IdentityModel.Tokens;
using Tests.Http;

namespace Tests.Security;

/// <summary>What the service accepts as a password and what it mints as a session (ASVS 5.0 V6.2, V7.2).</summary>
[Collection(FrontEnds.Name)]
public sealed class CredentialPolicyTests(FrontEndsFixture api)
{
    [Fact]
    public async Task A_password_is_checked_exactly_as_given_without_trimming_or_case_folding()
    {
        const string password = "  Mixed Case Passphrase  ";
        var session = await api.SignUp(password);

        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Auth.Login(session.Email, password.Trim())).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Auth.Login(session.Email, password.ToLowerInvariant())).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.Auth.Login(session.Email, password)).StatusCode);
    }

    [Fact]
    public async Task A_128_character_password_of_any_composition_is_accepted()
    {
        // Spaces, symbols, accents and emoji: no composition rule, and far past the 64 characters ASVS asks for.
        var password = string.Concat(Enumerable.Repeat("pässwörd 🔑 ~!@#$%^&*()_+ ", 10))[..128];

        var session = await api.SignUp(password);

        Assert.Equal(128, password.Length);
        Assert.Equal(HttpStatusCode.OK, (await api.Auth.Login(session.Email, password)).StatusCode);
    }

    [Fact]
    public async Task Every_login_mints_a_new_session_with_256_random_bits_in_its_refresh_token()
    {
        var first = await api.SignUp();
        var second = await api.SignIn(first.UserId, first.Email, first.Password);

        var (_, firstSession) = TokenForge.Ids(first.AccessToken);
        var (_, secondSession) = TokenForge.Ids(second.AccessToken);
        Assert.NotEqual(firstSession, secondSession);
        foreach (var (refresh, sid) in new[] { (first.RefreshToken, firstSession), (second.RefreshToken, secondSession) })
        {
            var parts = refresh.Split('.');
            Assert.Equal(sid.ToString("N"), parts[0]);
            Assert.Equal(32, Base64UrlEncoder.DecodeBytes(parts[1]).Length);
        }

        Assert.NotEqual(first.RefreshToken.Split('.')[1], second.RefreshToken.Split('.')[1]);
    }
}
