using System.Security.Claims;
using Api.Hosting;
using Grains.Interfaces.Users;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Api.Security;

/// <summary>Issues the HS256 access tokens and defines exactly what validation accepts.</summary>
public sealed class AccessTokens(ApiSettings settings, TimeProvider time)
{
    public const string SessionClaim = "sid";
    public const string PermissionsClaim = "permissions";

    private static readonly JsonWebTokenHandler Handler = new();
    private readonly SymmetricSecurityKey _key = new(settings.JwtSecret);

    public TimeSpan Lifetime => settings.AccessTokenLifetime;

    public string Issue(UserView user, Guid sessionId)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = settings.JwtIssuer,
            Audience = settings.JwtAudience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + settings.AccessTokenLifetime,
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = user.Id.ToString(),
                [SessionClaim] = sessionId.ToString(),
                [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString(),
                [PermissionsClaim] = user.Permissions.ToArray(),
            },
        });
    }

    /// <summary>The same validation JwtBearer applies, for tokens that arrive in a body (introspection).</summary>
    public Task<TokenValidationResult> Validate(string token) => Handler.ValidateTokenAsync(token, ValidationParameters);

    /// <summary>Pins algorithm, issuer, audience and lifetime; "alg: none" and unsigned tokens never pass.</summary>
    public TokenValidationParameters ValidationParameters => new()
    {
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        IssuerSigningKey = _key,
        ValidateIssuerSigningKey = true,
        RequireSignedTokens = true,
        ValidIssuer = settings.JwtIssuer,
        ValidateIssuer = true,
        ValidAudience = settings.JwtAudience,
        ValidateAudience = true,
        RequireExpirationTime = true,
        ValidateLifetime = true,
        ClockSkew = TimeSpan.FromSeconds(30),
        NameClaimType = JwtRegisteredClaimNames.Sub,
    };
}
