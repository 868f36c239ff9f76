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

    [Benchmark(Description = "Verify (login)")]
    public PasswordCheck Verify() => _hasher.Verify(_stored, Password);

    [Benchmark(Description = "Hash (registration)")]
    public string Hash() => _hasher.Hash(Password);
}
