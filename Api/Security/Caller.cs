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

    public static Caller From(ClaimsPrincipal principal) =>
        TryFrom(principal, out var caller) ? caller : throw new InvalidOperationException("The request is not authenticated.");
}
