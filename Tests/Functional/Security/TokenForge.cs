using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Tests.Infrastructure;

namespace Tests.Security;

/// <summary>
/// Makes access tokens the way an attacker (or a careless issuer) would, with the test cluster's own
/// JWT_SECRET: each forged token differs from a token the service would accept in exactly one way.
/// </summary>
public static class TokenForge
{
    public const string Issuer = "auth-service";
    public const string Audience = "auth-service";

    private static readonly byte[] Secret = Encoding.UTF8.GetBytes(ExternalServices.JwtSecret);
    private static readonly JsonWebTokenHandler Handler = new();

    // Without default times, so a descriptor without an expiry really yields a token without "exp".
    private static readonly JsonWebTokenHandler PlainHandler = new() { SetDefaultTimesOnTokenCreation = false };

    public static SigningCredentials Hs256 => new(new SymmetricSecurityKey(Secret), SecurityAlgorithms.HmacSha256);

    /// <summary>What the service itself would issue for this user and session.</summary>
    public static SecurityTokenDescriptor Genuine(Guid userId, Guid sessionId, params string[] permissions)
    {
        var now = DateTime.UtcNow;
        return new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(15),
            SigningCredentials = Hs256,
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = userId.ToString(),
                ["sid"] = sessionId.ToString(),
                [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString(),
                ["permissions"] = permissions,
            },
        };
    }

    public static string Sign(SecurityTokenDescriptor descriptor) =>
        descriptor.Expires is null ? PlainHandler.CreateToken(descriptor) : Handler.CreateToken(descriptor);

    /// <summary>The same claims with <c>alg: none</c> and an empty signature.</summary>
    public static string Unsigned(SecurityTokenDescriptor descriptor)
    {
        descriptor.SigningCredentials = null;
        var token = Handler.CreateToken(descriptor);
        Assert.Contains("\"alg\":\"none\"", Base64UrlEncoder.Decode(token.Split('.')[0]));
        return token;
    }

    /// <summary>
    /// The claims under a header naming <paramref name="algorithm"/>, with an HMAC over them made with the
    /// real secret. Done by hand because the handler will not sign HS512 with a key under 512 bits, and
    /// will not put an HMAC under an RS256 header; an attacker's tooling has no such scruples.
    /// </summary>
    public static string WithHeaderAlgorithm(SecurityTokenDescriptor descriptor, string algorithm, Func<byte[], byte[], byte[]> hmac)
    {
        var payload = Unsigned(descriptor).Split('.')[1];
        var header = Base64UrlEncoder.Encode($$"""{"alg":"{{algorithm}}","typ":"JWT"}""");
        var signature = hmac(Secret, Encoding.ASCII.GetBytes($"{header}.{payload}"));
        return $"{header}.{payload}.{Base64UrlEncoder.Encode(signature)}";
    }

    public static string Hs512(SecurityTokenDescriptor descriptor) =>
        WithHeaderAlgorithm(descriptor, SecurityAlgorithms.HmacSha512, HMACSHA512.HashData);

    /// <summary>Key confusion: an RS256 header whose "signature" is an HMAC with the shared secret as the public key.</summary>
    public static string Rs256HeaderOverHmac(SecurityTokenDescriptor descriptor) =>
        WithHeaderAlgorithm(descriptor, SecurityAlgorithms.RsaSha256, HMACSHA256.HashData);

    /// <summary>A real RS256 signature with the attacker's own key, which the header carries as a JWK.</summary>
    public static string Rs256WithEmbeddedKey(SecurityTokenDescriptor descriptor)
    {
        using var rsa = RSA.Create(2048);
        var key = new RsaSecurityKey(rsa.ExportParameters(true)) { KeyId = "attacker" };
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.ExportParameters(false)) { KeyId = "attacker" });
        descriptor.SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256);
        descriptor.AdditionalHeaderClaims = new Dictionary<string, object>
        {
            ["jwk"] = new Dictionary<string, object> { ["kty"] = jwk.Kty, ["n"] = jwk.N, ["e"] = jwk.E, ["kid"] = jwk.Kid },
        };
        return Handler.CreateToken(descriptor);
    }

    /// <summary>Reads the claims of a token the service issued (no validation: the tests only need its ids).</summary>
    public static (Guid UserId, Guid SessionId) Ids(string accessToken)
    {
        var token = new JsonWebToken(accessToken);
        return (Guid.Parse(token.Subject), Guid.Parse(token.GetClaim("sid").Value));
    }
}
