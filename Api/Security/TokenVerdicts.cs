using System.Collections.Concurrent;
using Api.Hosting;
using Api.Tokens;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Api.Security;

/// <summary>
/// The token handler JwtBearer uses: it remembers a token that passed full validation, keyed on its exact text,
/// so the same token on the next request skips the signature check (an ECDSA or RSA verification costs far more
/// than the rest of a request). A token that differs in any byte, a forged signature included, is validated in
/// full. A remembered verdict ends at the token's expiry on the token clock and as soon as its signing key is no
/// longer accepted; the live-session check still runs on every request, so revocation stays immediate.
/// One instance serves one JwtBearer scheme, whose validation parameters never change.
/// </summary>
public sealed class TokenVerdicts : JsonWebTokenHandler
{
    /// <summary>
    /// At most this many verdicts (about 3 KB each with the parsed token): when full, all are forgotten at once and
    /// revalidated on use, which bounds memory under a flood of distinct valid tokens at the cost of one check each.
    /// </summary>
    public const int Capacity = 10_000;

    private const string BearerPrefix = "Bearer ";

    private readonly ConcurrentDictionary<string, Verdict> _verdicts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Verdict>.AlternateLookup<ReadOnlySpan<char>> _verdictsBySpan;
    private readonly ITokenKeys _keys;
    private readonly TimeProvider _time;
    private readonly AuthMetrics _metrics;
    private int _count;

    public TokenVerdicts(ITokenKeys keys, [FromKeyedServices(TokenClock.ServiceKey)] TimeProvider time, AuthMetrics metrics)
    {
        _keys = keys;
        _time = time;
        _metrics = metrics;
        _verdictsBySpan = _verdicts.GetAlternateLookup<ReadOnlySpan<char>>();
        MapInboundClaims = false;
    }

    /// <summary>
    /// The bearer token of an Authorization header as the very string a verdict is remembered under, found without
    /// copying it out of the header; null when none is remembered. Given to JwtBearer as the request's token, it saves
    /// the copy JwtBearer would cut from the header: what it then validates is the same text, character for character.
    /// </summary>
    public string? KnownToken(StringValues authorization)
    {
        if (authorization.Count != 1 || authorization[0] is not { } header || !header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        // JwtBearer trims what follows the scheme the same way (string.Trim).
        return _verdictsBySpan.TryGetValue(header.AsSpan(BearerPrefix.Length).Trim(), out var token, out _) ? token : null;
    }

    public override Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        if (_verdicts.TryGetValue(token, out var known))
        {
            if (StillStands(known))
            {
                _metrics.AccessToken(remembered: true);
                return known.Answer;
            }

            Forget(token, known);
        }

        return ValidateInFull(token, validationParameters);
    }

    private async Task<TokenValidationResult> ValidateInFull(string token, TokenValidationParameters validationParameters)
    {
        _metrics.AccessToken(remembered: false);
        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result is not { IsValid: true, SecurityToken: JsonWebToken { SigningKey.KeyId: { } keyId } verified })
        {
            return result;
        }

        // The answer itself is remembered, identity included: JwtBearer only reads it, and the identity refuses changes.
        var answer = Task.FromResult(new TokenValidationResult
        {
            IsValid = true,
            SecurityToken = verified,
            Issuer = verified.Issuer,
            ClaimsIdentity = new SharedClaimsIdentity(result.ClaimsIdentity),
        });
        Remember(token, new Verdict(verified, keyId, answer));
        return await answer;
    }

    private bool StillStands(Verdict verdict) =>
        _time.GetUtcNow().UtcDateTime < verdict.Token.ValidTo && _keys.Accepts(verdict.KeyId);

    private void Remember(string token, Verdict verdict)
    {
        // The parsed claims are built lazily: build them here, once, before other threads share the token.
        _ = verdict.Token.Claims.Count();
        if (Interlocked.Increment(ref _count) > Capacity)
        {
            _verdicts.Clear();
            Interlocked.Exchange(ref _count, 0);
            return;
        }

        if (!_verdicts.TryAdd(token, verdict))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    private void Forget(string token, Verdict verdict)
    {
        if (_verdicts.TryRemove(new KeyValuePair<string, Verdict>(token, verdict)))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    private sealed record Verdict(JsonWebToken Token, string KeyId, Task<TokenValidationResult> Answer);
}
