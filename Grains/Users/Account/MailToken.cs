using System.Security.Cryptography;
using System.Text;

namespace Grains.Users.Account;

/// <summary>A token sent by mail, as stored: only its hash, until when it lives, and the address it went to.</summary>
[GenerateSerializer, Immutable]
public sealed record MailToken(
    [property: Id(0)] string Hash,
    [property: Id(1)] DateTimeOffset ExpiresAt,
    [property: Id(2)] string Email)
{
    /// <summary>Constant-time comparison of hex hashes: the stored hash must not be guessable a byte at a time.</summary>
    public bool Matches(string hash, DateTimeOffset now) =>
        now < ExpiresAt
        && CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Hash), Encoding.ASCII.GetBytes(hash));
}
