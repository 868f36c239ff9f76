using System.Diagnostics.Metrics;
using System.Security.Claims;
using Api.Hosting;
using Api.Security;
using Api.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Tests.Security;

/// <summary>
/// The remembered verdicts hand every request with the same token one shared answer: it must be that token's own,
/// and nothing downstream may change it for the next request.
/// </summary>
public sealed class TokenVerdictsTests : IDisposable
{
    private const string Issuer = "https://auth.example.test";
    private const string Audience = "auth-service";

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-28T12:00:00Z"));
    private readonly SharedSecretKeys _keys = new(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray(), previousSecret: null);
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly TokenVerdicts _verdicts;

    public TokenVerdictsTests() =>
        _verdicts = new TokenVerdicts(_keys, _time, new AuthMetrics(_services.GetRequiredService<IMeterFactory>()));

    [Fact]
    public async Task Tokens_of_two_callers_each_keep_their_own_identity_across_remembered_verdicts()
    {
        var (alice, bob) = (Guid.NewGuid(), Guid.NewGuid());
        var (aliceToken, bobToken) = (Token(alice), Token(bob));

        for (var round = 0; round < 3; round++)
        {
            Assert.Equal(alice.ToString(), await Subject(aliceToken));
            Assert.Equal(bob.ToString(), await Subject(bobToken));
        }
    }

    [Fact]
    public async Task The_remembered_identity_refuses_changes_so_no_request_can_alter_the_next_ones()
    {
        var token = Token(Guid.NewGuid());
        var first = (await _verdicts.ValidateTokenAsync(token, Parameters())).ClaimsIdentity;
        var second = (await _verdicts.ValidateTokenAsync(token, Parameters())).ClaimsIdentity;
        var added = new Claim(AccessTokens.PermissionsClaim, "admin");

        Assert.Same(first, second);
        Assert.Throws<InvalidOperationException>(() => second.AddClaim(added));
        Assert.Throws<InvalidOperationException>(() => second.AddClaims([added]));
        Assert.Throws<InvalidOperationException>(() => second.RemoveClaim(second.FindFirst(JwtRegisteredClaimNames.Sub)));
        Assert.Throws<InvalidOperationException>(() => second.TryRemoveClaim(second.FindFirst(JwtRegisteredClaimNames.Sub)));
        Assert.DoesNotContain(second.Claims, c => c.Value == "admin");
        Assert.NotNull(second.FindFirst(JwtRegisteredClaimNames.Sub));
    }

    public void Dispose() => _services.Dispose();

    private async Task<string?> Subject(string token)
    {
        var result = await _verdicts.ValidateTokenAsync(token, Parameters());
        Assert.True(result.IsValid);
        return result.ClaimsIdentity.FindFirst(JwtRegisteredClaimNames.Sub)?.Value;
    }

    private string Token(Guid userId)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(15),
            SigningCredentials = _keys.SigningCredentials(),
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = userId.ToString(),
                [AccessTokens.SessionClaim] = Guid.NewGuid().ToString(),
            },
        });
    }

    // As the product validates (AccessTokens.ValidationParameters), on this test's clock.
    private TokenValidationParameters Parameters() => new()
    {
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        IssuerSigningKeyResolver = (_, _, keyId, _) => _keys.ValidationKeys(keyId),
        ValidIssuer = Issuer,
        ValidAudience = Audience,
        LifetimeValidator = (_, expires, _, _) => expires > _time.GetUtcNow().UtcDateTime,
        NameClaimType = JwtRegisteredClaimNames.Sub,
    };
}
