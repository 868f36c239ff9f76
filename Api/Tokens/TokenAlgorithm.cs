using Microsoft.IdentityModel.Tokens;

namespace Api.Tokens;

/// <summary>What signs access tokens (docs/contract.md, Tokens for other services): the shared secret, or a key pair from the cluster's ring.</summary>
public enum TokenAlgorithm
{
    HS256,
    RS256,
    ES256,
}

public static class TokenAlgorithms
{
    public static string JwtName(this TokenAlgorithm algorithm) => algorithm switch
    {
        TokenAlgorithm.HS256 => SecurityAlgorithms.HmacSha256,
        TokenAlgorithm.RS256 => SecurityAlgorithms.RsaSha256,
        TokenAlgorithm.ES256 => SecurityAlgorithms.EcdsaSha256,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
    };

    public static bool IsAsymmetric(this TokenAlgorithm algorithm) => algorithm is not TokenAlgorithm.HS256;
}
