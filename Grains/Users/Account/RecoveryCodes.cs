using System.Security.Cryptography;
using System.Text;

namespace Grains.Users.Account;

/// <summary>
/// Single-use recovery codes: 10 of them, 122 random bits each (ASVS 6.5.2 lets a secret of 112 bits or more be stored under a plain hash), written "xxxxx-xxxxx-xxxxx-xxxxx-xxxxx" in an
/// alphabet without look-alikes. Stored as SHA-256: with that much entropy a fast hash is enough.
/// </summary>
public static class RecoveryCodes
{
    public const int Count = 10;
    private const string Alphabet = "abcdefghjkmnpqrstuvwxyz23456789";
    private const int Length = 25;

    public static string[] Generate() => [.. Enumerable.Range(0, Count).Select(_ => One())];

    /// <summary>The hash of a code as typed: case, spaces and hyphens do not matter.</summary>
    public static string Hash(string code)
    {
        var normalized = new string([.. code.Where(c => c is not ('-' or ' ')).Select(char.ToLowerInvariant)]);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalized)));
    }

    private static string One()
    {
        var chars = RandomNumberGenerator.GetItems<char>(Alphabet, Length);
        return string.Join('-', chars.Chunk(5).Select(group => new string(group)));
    }
}
