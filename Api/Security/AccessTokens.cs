using System.Security.Claims;
using Api.Hosting;
using Api.Tokens;
using Grains.Interfaces.Users;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Api.Security;

/// <summary>Issues the access tokens and defines exactly what validation accepts, whatever the algorithm.</summary>
public sealed class AccessTokens(ApiSettings settings, ITokenKeys keys, [FromKeyedServices(TokenClock.ServiceKey)] TimeProvider time)
{
    public const string SessionClaim = "sid";
    public const string PermissionsClaim = "permissions";

    private static readonly JsonWebTokenHandler Handler = new();
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    public TimeSpan Lifetime => settings.AccessTokenLifetime;

    public async Task<string> Issue(UserView user, Guid sessionId, CancellationToken cancellationToken = default)
    {
        await keys.EnsureFresh(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = settings.JwtIssuer,
            Audience = settings.JwtAudience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + settings.AccessTokenLifetime,
            // The key's KeyId becomes the header's "kid".
            SigningCredentials = keys.SigningCredentials(),
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = user.Id.ToString(),
                [SessionClaim] = sessionId.ToString(),
                [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString(),
                [PermissionsClaim] = user.Permissions.ToArray(),
            },
        });
    }

    /// <summary>The same validation JwtBearer applies, for tokens that arrive in a body (introspection, revocation).</summary>
    public async Task<TokenValidationResult> Validate(string token, CancellationToken cancellationToken = default)
    {
        await keys.EnsureFresh(cancellationToken);
        return await Handler.ValidateTokenAsync(token, ValidationParameters);
    }

    /// <summary>
    /// Pins the algorithm family, issuer, audience and lifetime; "alg: none" and unsigned tokens never pass.
    /// Keys come only from the ring (by kid), never from the token: jku, x5u, jwk and x5c headers are refused.
    /// </summary>
    public TokenValidationParameters ValidationParameters => new()
    {
        ValidAlgorithms = [keys.Algorithm.JwtName()],
        IssuerSigningKeyResolver = (_, _, keyId, _) => keys.ValidationKeys(keyId),
        TryAllIssuerSigningKeys = false,
        IssuerSigningKeyValidator = TokenHeaderPolicy.RefuseKeyReferences,
        ValidateIssuerSigningKey = true,
        RequireSignedTokens = true,
        ValidIssuer = settings.JwtIssuer,
        ValidateIssuer = true,
        ValidAudience = settings.JwtAudience,
        ValidateAudience = true,
        RequireExpirationTime = true,
        ValidateLifetime = true,
        ClockSkew = ClockSkew,
        LifetimeValidator = LiveWithin,
        NameClaimType = JwtRegisteredClaimNames.Sub,
    };

    // The default check reads the system clock; this one reads the TimeProvider, so rotation tests can move it.
    // An expiry is required, as RequireExpirationTime says (a custom validator replaces that check too).
    private bool LiveWithin(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return expires is { } end && end > now - ClockSkew && (notBefore is not { } start || start <= now + ClockSkew);
    }
}
