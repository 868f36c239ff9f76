using System.Text;
using Geralt;

namespace Api.Security;

/// <summary>
/// Argon2id through libsodium (Geralt), at OWASP's m=19 MiB, t=2, p=1. The stored string is
/// libsodium's self-describing format ($argon2id$v=19$m=…,t=…,p=1$salt$hash), so a change of
/// parameters is detected per hash and the password re-hashed at the next successful login.
/// Hashing runs in the front-end tier: it is CPU-bound, and there it scales with the API
/// processes and never holds up a grain.
/// </summary>
public sealed class PasswordHasher
{
    public const int Iterations = 2;
    public const int MemoryBytes = 19 * 1024 * 1024;

    // Verified against when the email is unknown, so that answer costs the same hash work as a wrong password.
    private readonly string _decoy;

    public PasswordHasher() => _decoy = Hash(Convert.ToBase64String(Guid.NewGuid().ToByteArray()));

    public string Hash(string password)
    {
        Span<char> hash = stackalloc char[Argon2id.HashSize];
        Argon2id.ComputeHash(hash, Encoding.UTF8.GetBytes(password), Iterations, MemoryBytes);
        return new string(hash.TrimEnd('\0'));
    }

    public PasswordCheck Verify(string storedHash, string password)
    {
        try
        {
            if (!Argon2id.VerifyHash(storedHash, Encoding.UTF8.GetBytes(password)))
            {
                return PasswordCheck.Failed;
            }

            return Argon2id.NeedsRehash(storedHash, Iterations, MemoryBytes) ? PasswordCheck.SucceededNeedsRehash : PasswordCheck.Succeeded;
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            // A stored value that is not an Argon2id string can match no password.
            return PasswordCheck.Failed;
        }
    }

    /// <summary>Spends the work of one verification and fails.</summary>
    public PasswordCheck VerifyDecoy(string password)
    {
        Argon2id.VerifyHash(_decoy, Encoding.UTF8.GetBytes(password));
        return PasswordCheck.Failed;
    }
}

public enum PasswordCheck
{
    Failed,
    Succeeded,
    SucceededNeedsRehash,
}
