using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Api.Security;

/// <summary>
/// Opaque refresh tokens: "&lt;session id&gt;.&lt;256 random bits&gt;". The session id routes the token to
/// its session (and its shard) without a lookup table; the session stores only the SHA-256 of the whole token.
/// </summary>
public static class RefreshTokens
{
    private const int SecretBytes = 32;

    public static string Create(Guid sessionId) =>
        $"{sessionId:N}.{Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes))}";

    public static bool TryParse(string? token, out Guid sessionId)
    {
        sessionId = default;
        return token is { Length: <= 128 }
            && token.IndexOf('.') is 32 and var dot
            && Guid.TryParseExact(token.AsSpan(0, dot), "N", out sessionId)
            && Base64Url.IsValid(token.AsSpan(dot + 1), out var decoded)
            && decoded == SecretBytes;
    }

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
