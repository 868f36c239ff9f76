using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Api.Tokens;

/// <summary>
/// A token must not tell its verifier where to find the key: a "jku" or "x5u" URL, an embedded "jwk"
/// or an "x5c" chain are how forged tokens bring their own key. Ours never carry them, so any token
/// that does is refused even when its signature is good.
/// </summary>
public static class TokenHeaderPolicy
{
    private static readonly string[] KeyReferenceHeaders = ["jku", "x5u", "jwk", "x5c"];

    public static bool RefuseKeyReferences(SecurityKey key, SecurityToken token, TokenValidationParameters parameters)
    {
        if (token is JsonWebToken jwt && KeyReferenceHeaders.Any(header => jwt.TryGetHeaderValue<object>(header, out _)))
        {
            throw new SecurityTokenInvalidSigningKeyException("The token's header names a key of its own (jku, x5u, jwk or x5c).");
        }

        return true;
    }
}
