using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Api.Account;

/// <summary>
/// The opaque tokens of the account lifecycle (mailed verification and reset tokens, MFA tickets):
/// "&lt;user id&gt;.&lt;256 random bits&gt;". The user id routes the token to its grain; the grain keeps only
/// the SHA-256 of the whole token.
/// </summary>
public static class AccountTokens
{
    private const int SecretBytes = 32;
    public const int MaxLength = 128;

    public static string Create(Guid userId) =>
        $"{userId:N}.{Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes))}";

    public static bool TryParse(string? token, out Guid userId)
    {
        userId = default;
        return token is { Length: <= MaxLength }
            && token.IndexOf('.') is 32 and var dot
            && Guid.TryParseExact(token.AsSpan(0, dot), "N", out userId)
            && Base64Url.IsValid(token.AsSpan(dot + 1), out var decoded)
            && decoded == SecretBytes;
    }

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
