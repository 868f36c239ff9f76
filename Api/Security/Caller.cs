using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Api.Security;

/// <summary>Who is calling, as the validated token says.</summary>
public readonly record struct Caller(Guid UserId, Guid SessionId)
{
    public static bool TryFrom(ClaimsPrincipal principal, out Caller caller)
    {
        caller = default;
        if (Guid.TryParse(principal.FindFirstValue(JwtRegisteredClaimNames.Sub), out var user)
            && Guid.TryParse(principal.FindFirstValue(AccessTokens.SessionClaim), out var session))
        {
            caller = new Caller(user, session);
            return true;
        }

        return false;
    }

    /// <summary>Reads the two claims straight from the token's payload, without searching the principal's claims.</summary>
    public static bool TryFrom(JsonWebToken token, out Caller caller)
    {
        caller = default;
        if (token.TryGetPayloadValue<string>(JwtRegisteredClaimNames.Sub, out var subject) && Guid.TryParse(subject, out var user)
            && token.TryGetPayloadValue<string>(AccessTokens.SessionClaim, out var sid) && Guid.TryParse(sid, out var session))
        {
            caller = new Caller(user, session);
            return true;
        }

        return false;
    }

    public static Caller From(ClaimsPrincipal principal) =>
        TryFrom(principal, out var caller) ? caller : throw new InvalidOperationException("The request is not authenticated.");

    /// <summary>The caller the live-session check already read from this request's token; parsed again only when it did not run.</summary>
    public static Caller Of(HttpContext http) =>
        http.Features.Get<Attached>() is { } attached ? attached.Caller : From(http.User);

    /// <summary>Remembers the caller for the handlers of this request, so the token's claims are parsed once.</summary>
    public static void Attach(HttpContext http, Caller caller) => http.Features.Set(new Attached(caller));

    private sealed record Attached(Caller Caller);
}
