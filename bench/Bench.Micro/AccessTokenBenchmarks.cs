using System.Text;
using Api.Hosting;
using Api.Security;
using Api.Tokens;
using BenchmarkDotNet.Attributes;
using Grains.Interfaces.Users;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Bench.Micro;

/// <summary>
/// JWT validation as the API does it: JwtBearer hands the token to a JsonWebTokenHandler with the
/// parameters <see cref="AccessTokens.ValidationParameters"/> defines (built once, when the options are
/// configured), before the live session check; and the cost of signing one, per JWT_ALGORITHM.
/// </summary>
[MemoryDiagnoser]
public class AccessTokenBenchmarks
{
    [Params(TokenAlgorithm.HS256, TokenAlgorithm.RS256, TokenAlgorithm.ES256)]
    public TokenAlgorithm Algorithm { get; set; }

    private readonly JsonWebTokenHandler _handler = new();
    private AccessTokens _tokens = null!;
    private TokenValidationParameters _parameters = null!;
    private string _token = "";

    [GlobalSetup]
    public async Task Setup()
    {
        var settings = new ApiSettings { JwtSecret = Encoding.UTF8.GetBytes("bench-secret-that-is-long-enough-for-hs256-0123456789") };
        ITokenKeys keys = Algorithm == TokenAlgorithm.HS256 ? new SharedSecretKeys(settings.JwtSecret, null) : new OneKeyRing(Algorithm);
        _tokens = new AccessTokens(settings, keys, TimeProvider.System);
        _parameters = _tokens.ValidationParameters;
        var now = DateTimeOffset.UtcNow;
        _token = await _tokens.Issue(new UserView(Guid.NewGuid(), "Bench User", "bench@example.com", [], now, now, 1), Guid.NewGuid());
    }

    /// <summary>What every authenticated request costs before the session check.</summary>
    [Benchmark]
    public async Task<bool> ValidateAccessToken() => (await _handler.ValidateTokenAsync(_token, _parameters)).IsValid;

    /// <summary>What a login or refresh costs to sign its token.</summary>
    [Benchmark]
    public Task<string> IssueAccessToken()
    {
        var now = DateTimeOffset.UtcNow;
        return _tokens.Issue(new UserView(Guid.NewGuid(), "Bench User", "bench@example.com", [], now, now, 1), Guid.NewGuid());
    }
}
