using Api.Security;
using BenchmarkDotNet.Attributes;

namespace Bench.Micro;

/// <summary>The API's Argon2id at its configured parameters: what a login (verify) and a registration (hash) cost one core.</summary>
[MemoryDiagnoser]
public class PasswordHashBenchmarks
{
    private const string Password = "bench passphrase 0123456789";
    private readonly PasswordHasher _hasher = new();
    private string _stored = "";

    [GlobalSetup]
    public void Setup() => _stored = _hasher.Hash(Password);

    /// <summary>What a login costs the auth front end.</summary>
    [Benchmark]
    public PasswordCheck VerifyAtLogin() => _hasher.Verify(_stored, Password);

    /// <summary>What a registration or password change costs the user front end.</summary>
    [Benchmark]
    public string HashAtRegistration() => _hasher.Hash(Password);
}
