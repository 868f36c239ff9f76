using System.Security.Cryptography;
using Grains.Interfaces.Tokens;
using Microsoft.IdentityModel.Tokens;

namespace Api.Tokens;

/// <summary>Turns ring entries into IdentityModel keys and back, through the platform's RSA and ECDsa.</summary>
public static class SigningKeyMaterial
{
    private const int RsaKeyBits = 2048;

    /// <summary>A fresh key pair, its private half sealed for storage.</summary>
    public static SigningKey Generate(TokenAlgorithm algorithm, PrivateKeyProtector protector, DateTimeOffset now, DateTimeOffset activatesAt)
    {
        using AsymmetricAlgorithm pair = algorithm switch
        {
            TokenAlgorithm.RS256 => RSA.Create(RsaKeyBits),
            TokenAlgorithm.ES256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), "Only RS256 and ES256 keys live in the ring."),
        };
        var publicKey = pair.ExportSubjectPublicKeyInfo();
        var keyId = Thumbprint(PublicKey(algorithm.JwtName(), publicKey, keyId: null));
        var privateKey = pair.ExportPkcs8PrivateKey();
        try
        {
            return new SigningKey(keyId, algorithm.JwtName(), publicKey, protector.Seal(keyId, privateKey), now, activatesAt);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
        }
    }

    public static AsymmetricSecurityKey PublicKey(SigningKey key) => PublicKey(key.Algorithm, key.PublicKey, key.KeyId);

    public static SigningCredentials Credentials(SigningKey key, PrivateKeyProtector protector)
    {
        var privateKey = protector.Open(key.KeyId, key.EncryptedPrivateKey);
        try
        {
            AsymmetricSecurityKey securityKey = key.Algorithm switch
            {
                SecurityAlgorithms.RsaSha256 => new RsaSecurityKey(Import(RSA.Create(), privateKey)) { KeyId = key.KeyId },
                SecurityAlgorithms.EcdsaSha256 => new ECDsaSecurityKey(Import(ECDsa.Create(), privateKey)) { KeyId = key.KeyId },
                _ => throw new CryptographicException($"Unknown key algorithm {key.Algorithm}."),
            };
            return new SigningCredentials(securityKey, key.Algorithm);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
        }
    }

    /// <summary>The key as a JWKS entry: kid, kty, alg, use "sig" and the public parameters only.</summary>
    public static JsonWebKey Jwk(SigningKey key)
    {
        var jwk = PublicKey(key) switch
        {
            RsaSecurityKey rsa => JsonWebKeyConverter.ConvertFromRSASecurityKey(rsa),
            ECDsaSecurityKey ec => JsonWebKeyConverter.ConvertFromECDsaSecurityKey(ec),
            _ => throw new CryptographicException($"Unknown key algorithm {key.Algorithm}."),
        };
        jwk.Alg = key.Algorithm;
        jwk.Use = JsonWebKeyUseNames.Sig;
        return jwk;
    }

    private static AsymmetricSecurityKey PublicKey(string algorithm, byte[] subjectPublicKeyInfo, string? keyId)
    {
        AsymmetricSecurityKey key = algorithm switch
        {
            SecurityAlgorithms.RsaSha256 => new RsaSecurityKey(ImportPublic(RSA.Create(), subjectPublicKeyInfo)),
            SecurityAlgorithms.EcdsaSha256 => new ECDsaSecurityKey(ImportPublic(ECDsa.Create(), subjectPublicKeyInfo)),
            _ => throw new CryptographicException($"Unknown key algorithm {algorithm}."),
        };
        key.KeyId = keyId;
        return key;
    }

    private static string Thumbprint(AsymmetricSecurityKey key)
    {
        var jwk = key is RsaSecurityKey rsa
            ? JsonWebKeyConverter.ConvertFromRSASecurityKey(rsa)
            : JsonWebKeyConverter.ConvertFromECDsaSecurityKey((ECDsaSecurityKey)key);
        return Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint());
    }

    private static T Import<T>(T algorithm, byte[] pkcs8) where T : AsymmetricAlgorithm
    {
        algorithm.ImportPkcs8PrivateKey(pkcs8, out _);
        return algorithm;
    }

    private static T ImportPublic<T>(T algorithm, byte[] subjectPublicKeyInfo) where T : AsymmetricAlgorithm
    {
        algorithm.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
        return algorithm;
    }
}
