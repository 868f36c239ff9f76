using System.Text;
using Api.Hosting;
using Api.Security;
using BenchmarkDotNet.Attributes;
using Grains.Interfaces.Users;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Bench.Micro;

/// <summary>
/// JWT validation as the API does it: JwtBearer hands the token to a JsonWebTokenHandler with the
/// parameters <see cref="AccessTokens.ValidationParameters"/> defines (built once, when the options are
/// configured), before the live session check.
/// </summary>
[MemoryDiagnoser]
public class AccessTokenBenchmarks
{
    private readonly JsonWebTokenHandler _handler = new();
    private AccessTokens _tokens = null!;
    private TokenValidationParameters _parameters = null!;
    private string _token = "";

    [GlobalSetup]
    public void Setup()
    {
        var settings = new ApiSettings { JwtSecret = Encoding.UTF8.GetBytes("bench-secret-that-is-long-enough-for-hs256-0123456789") };
        _tokens = new AccessTokens(settings, TimeProvider.System);
        _parameters = _tokens.ValidationParameters;
        var now = DateTimeOffset.UtcNow;
        _token = _tokens.Issue(new UserView(Guid.NewGuid(), "Bench User", "bench@example.com", [], now, now, 1), Guid.NewGuid());
    }

    /// <summary>What every authenticated request costs before the session check.</summary>
    [Benchmark]
    public async Task<bool> ValidateAccessToken() => (await _handler.ValidateTokenAsync(_token, _parameters)).IsValid;

    /// <summary>What a login or refresh costs to sign its token.</summary>
    [Benchmark]
    public string IssueAccessToken()
    {
        var now = DateTimeOffset.UtcNow;
        return _tokens.Issue(new UserView(Guid.NewGuid(), "Bench User", "bench@example.com", [], now, now, 1), Guid.NewGuid());
    }
}
