using Grains.Interfaces.Sessions;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Api.Security;

/// <summary>
/// After the signature, issuer, audience and lifetime pass, the token's session must still be live in
/// the cluster: this is what makes logout and revocation immediate on every front end. The check is
/// one call to an in-memory session grain, with no storage round trip, or none at all while the
/// front end holds a copy of the answer that no announcement has invalidated (<see cref="FrontEndCache"/>).
/// </summary>
public static class LiveSessionCheck
{
    public static async Task OnTokenValidated(TokenValidatedContext context)
    {
        if (context.Principal is null || !Caller.TryFrom(context.Principal, out var caller))
        {
            context.Fail("The token does not name a user and a session.");
            return;
        }

        var services = context.HttpContext.RequestServices;
        var grains = services.GetRequiredService<IGrainFactory>();
        var check = await services.GetRequiredService<FrontEndCache>()
            .Session(caller.SessionId, () => grains.GetGrain<ISessionGrain>(caller.SessionId).Check());
        if (!check.Active || check.UserId != caller.UserId)
        {
            context.Fail("The session is no longer active.");
        }
    }
}
