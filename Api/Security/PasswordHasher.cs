using System.Text;
using Geralt;

namespace Api.Security;

/// <summary>
/// Argon2id through libsodium (Geralt), at OWASP's m=7 MiB, t=5, p=1 — one of its equivalent settings,
/// and the fastest of them here: libsodium maps and populates the whole memory on every hash, so the
/// memory size, more than the pass count, sets the time (bench/RESULTS.md, S1). The stored string is
/// libsodium's self-describing format ($argon2id$v=19$m=…,t=…,p=1$salt$hash), so a change of
/// parameters is detected per hash and the password re-hashed at the next successful login.
/// Hashing runs in the front-end tier: it is CPU-bound, and there it scales with the API
/// processes and never holds up a grain.
/// </summary>
public sealed class PasswordHasher
{
    public const int Iterations = 5;
    public const int MemoryBytes = 7 * 1024 * 1024;

    // At most one hash per core at a time: more in flight only share the cores and their caches, so every
    // login waits longer and none finishes sooner. The rest wait here without holding a thread.
    private readonly SemaphoreSlim _cores = new(Environment.ProcessorCount);

    // Verified against when the email is unknown, so that answer costs the same hash work as a wrong password.
    private readonly string _decoy;

    public PasswordHasher() => _decoy = Hash(Convert.ToBase64String(Guid.NewGuid().ToByteArray()));

    public Task<string> HashAsync(string password, CancellationToken cancellationToken = default) =>
        OnACore(() => Hash(password), cancellationToken);

    public Task<PasswordCheck> VerifyAsync(string storedHash, string password, CancellationToken cancellationToken = default) =>
        OnACore(() => Verify(storedHash, password), cancellationToken);

    /// <summary>The same work as a wrong password, for an email that names no account.</summary>
    public Task VerifyDecoyAsync(string password, CancellationToken cancellationToken = default) =>
        OnACore(() => VerifyDecoy(password), cancellationToken);

    // A request whose client has gone stops waiting for a core: under a login storm the queue holds only
    // hashes someone still waits for.
    private async Task<T> OnACore<T>(Func<T> hashing, CancellationToken cancellationToken)
    {
        await _cores.WaitAsync(cancellationToken);
        try
        {
            return hashing();
        }
        finally
        {
            _cores.Release();
        }
    }

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
