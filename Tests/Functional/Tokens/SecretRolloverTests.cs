using System.Net;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Tests.Http;
using Tests.Infrastructure;

namespace Tests.Tokens;

/// <summary>HS256: JWT_SECRET_PREVIOUS lets the secret change without logging anyone out, and never signs.</summary>
[Collection(FrontEnds.Name)]
public sealed class SecretRolloverTests(FrontEndsFixture api)
{
    private const string NewSecret = "the-next-secret-that-is-long-enough-for-hs256-0123";

    [Fact]
    public async Task Tokens_signed_with_the_previous_secret_stay_valid_and_new_ones_use_only_the_new_secret()
    {
        var user = await api.SignUp();
        var rolled = await api.StartAuthFrontEnd(("JWT_SECRET", NewSecret), ("JWT_SECRET_PREVIOUS", ExternalServices.JwtSecret));
        var withoutPrevious = await api.StartAuthFrontEnd(("JWT_SECRET", NewSecret));

        // The token from before the change: accepted with the previous secret configured, refused without it.
        Assert.Equal(HttpStatusCode.OK, (await rolled.Send(HttpMethod.Get, "/auth/me", token: user.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await withoutPrevious.Send(HttpMethod.Get, "/auth/me", token: user.AccessToken)).StatusCode);

        // Its session goes on: the refresh is signed with the new secret alone.
        var refreshed = await rolled.Send(HttpMethod.Post, "/auth/refresh", new { refreshToken = user.RefreshToken });
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        var fresh = (await refreshed.Json()).GetProperty("accessToken").GetString()!;
        Assert.True(await SignedWith(fresh, NewSecret));
        Assert.False(await SignedWith(fresh, ExternalServices.JwtSecret));
        Assert.NotEqual(RingForge.Kid(user.AccessToken), RingForge.Kid(fresh));
        Assert.Equal(HttpStatusCode.OK, (await withoutPrevious.Send(HttpMethod.Get, "/auth/me", token: fresh)).StatusCode);

        // A third secret is still nobody's.
        var stranger = Security.TokenForge.Genuine(user.UserId, Security.TokenForge.Ids(fresh).SessionId);
        stranger.SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes("a-third-secret-that-is-long-enough-for-hs256-0123")), SecurityAlgorithms.HmacSha256);
        Assert.Equal(HttpStatusCode.Unauthorized, (await rolled.Send(HttpMethod.Get, "/auth/me", token: Security.TokenForge.Sign(stranger))).StatusCode);
    }

    private static async Task<bool> SignedWith(string token, string secret) =>
        (await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)),
            ValidateIssuer = false,
            ValidateAudience = false,
        })).IsValid;
}
