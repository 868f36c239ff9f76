using System.Security.Cryptography;
using System.Text;

namespace Grains.Sessions;

/// <summary>
/// What a session keeps of a refresh token: 32 bytes, the SHA-256 of the token hash the front end hands over
/// (itself the token's SHA-256 as 64 hex characters). Half the stored size of that text and one small array in
/// memory instead of a string; derived from the text as given, so any text compares the same way and a session
/// stored with the hex text before this format converts by the same function.
/// </summary>
internal static class RefreshTokenFingerprint
{
    public const int Length = 32;

    public static byte[] Of(string tokenHash) => SHA256.HashData(Encoding.UTF8.GetBytes(tokenHash));

    /// <summary>Whether <paramref name="fingerprints"/> (fingerprints end to end) holds <paramref name="candidate"/>; in constant time.</summary>
    public static bool IsAmong(ReadOnlySpan<byte> fingerprints, ReadOnlySpan<byte> candidate)
    {
        var found = false;
        for (var at = 0; at + Length <= fingerprints.Length; at += Length)
        {
            found |= CryptographicOperations.FixedTimeEquals(fingerprints.Slice(at, Length), candidate);
        }

        return found;
    }
}
