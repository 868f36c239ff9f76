namespace Api.Tokens;

/// <summary>
/// Token issuing, validation and key rotation read time from a keyed <see cref="TimeProvider"/>, so tests
/// can move it by a rotation period without also moving the clock the Orleans client and caches run on.
/// </summary>
public static class TokenClock
{
    public const string ServiceKey = "token-clock";
}
