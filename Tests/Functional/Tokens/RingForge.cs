using System.Security.Cryptography;
using System.Text;
using Api.Tokens;
using Grains.Interfaces.Tokens;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Tests.Tokens;

/// <summary>
/// Makes tokens for a key-ring cluster: with its real keys (opened with the cluster's encryption key, as
/// an insider could) or the way an attacker who knows only the public JWKS would.
/// </summary>
public static class RingForge
{
    private static readonly JsonWebTokenHandler Handler = new();

    /// <summary>The claims the service itself would issue at <paramref name="now"/>.</summary>
    public static SecurityTokenDescriptor Claims(Guid userId, Guid sessionId, string issuer, DateTimeOffset now) => new()
    {
        Issuer = issuer,
        Audience = "auth-service",
        IssuedAt = now.UtcDateTime,
        NotBefore = now.UtcDateTime,
        Expires = now.UtcDateTime + KeyRingCluster.TokenLifetime,
        Claims = new Dictionary<string, object>
        {
            [JwtRegisteredClaimNames.Sub] = userId.ToString(),
            ["sid"] = sessionId.ToString(),
            [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString(),
        },
    };

    /// <summary>Signed with the ring's own private key, plus any extra header members.</summary>
    public static string WithRingKey(SigningKey key, SecurityTokenDescriptor claims, IDictionary<string, object>? headers = null)
    {
        claims.SigningCredentials = SigningKeyMaterial.Credentials(key, new PrivateKeyProtector(KeyRingCluster.EncryptionKey));
        claims.AdditionalHeaderClaims = headers;
        return Handler.CreateToken(claims);
    }

    /// <summary>Algorithm confusion: HS256 whose HMAC key is the public key's PEM, under the real kid.</summary>
    public static string HmacWithPublicKey(SigningKey key, SecurityTokenDescriptor claims)
    {
        var pem = SigningKeyMaterial.PublicKey(key) switch
        {
            RsaSecurityKey rsa => rsa.Rsa.ExportSubjectPublicKeyInfoPem(),
            ECDsaSecurityKey ec => ec.ECDsa.ExportSubjectPublicKeyInfoPem(),
            var other => throw new InvalidOperationException(other.GetType().Name),
        };
        claims.SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(pem)) { KeyId = key.KeyId }, SecurityAlgorithms.HmacSha256);
        return Handler.CreateToken(claims);
    }

    /// <summary>"alg": "none" under the real kid, with an empty signature (by hand: the handler puts no kid on it).</summary>
    public static string Unsigned(string keyId, SecurityTokenDescriptor claims)
    {
        claims.SigningCredentials = null;
        var payload = Handler.CreateToken(claims).Split('.')[1];
        return $"{Base64UrlEncoder.Encode($$"""{"alg":"none","kid":"{{keyId}}","typ":"JWT"}""")}.{payload}.";
    }

    /// <summary>Signed with a key pair of the attacker's own, of the ring's algorithm, under <paramref name="keyId"/>.</summary>
    public static string WithAttackerKey(string algorithm, string keyId, SecurityTokenDescriptor claims, Func<JsonWebKey, IDictionary<string, object>>? headers = null)
    {
        AsymmetricSecurityKey key = algorithm == SecurityAlgorithms.RsaSha256
            ? new RsaSecurityKey(RSA.Create(2048)) { KeyId = keyId }
            : new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = keyId };
        claims.SigningCredentials = new SigningCredentials(key, algorithm);
        if (headers is not null)
        {
            var jwk = key is RsaSecurityKey rsa
                ? JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.Rsa.ExportParameters(false)) { KeyId = keyId })
                : JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(ECDsa.Create(((ECDsaSecurityKey)key).ECDsa.ExportParameters(false))) { KeyId = keyId });
            claims.AdditionalHeaderClaims = headers(jwk);
        }

        return Handler.CreateToken(claims);
    }

    /// <summary>The public JWK as a header member would carry it.</summary>
    public static Dictionary<string, object> PublicMembers(JsonWebKey jwk) => jwk.Kty == "RSA"
        ? new() { ["kty"] = jwk.Kty, ["n"] = jwk.N, ["e"] = jwk.E, ["kid"] = jwk.Kid }
        : new() { ["kty"] = jwk.Kty, ["crv"] = jwk.Crv, ["x"] = jwk.X, ["y"] = jwk.Y, ["kid"] = jwk.Kid };

    public static string Kid(string token) => new JsonWebToken(token).Kid;
}
