using Grains.Interfaces.Sessions;
using Hosting.Failover;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Api.Security;

/// <summary>
/// After the signature, issuer, audience and lifetime pass, the token's session must still be live in
/// the cluster: this is what makes logout and revocation immediate on every front end. The check is
/// one call to the session's shard grain, which holds it in memory, with no storage round trip, or none at all while the
/// front end holds a copy of the answer that no announcement has invalidated (<see cref="FrontEndCache"/>).
/// It runs on every authenticated request, so it holds its services instead of resolving them per request.
/// </summary>
public sealed class LiveSessionCheck
{
    private readonly FrontEndCache _cache;
    private readonly Func<Guid, Task<SessionCheck>> _askGrain;

    public LiveSessionCheck(FrontEndCache cache, IGrainFactory grains, ReadRetry reads)
    {
        _cache = cache;
        // A check caught by the loss of the session's silo is asked again once the session lives on a survivor.
        _askGrain = sessionId => reads.Run(() => grains.Session(sessionId).Check());
    }

    public async Task OnTokenValidated(TokenValidatedContext context)
    {
        if (context.SecurityToken is not JsonWebToken token || !Caller.TryFrom(token, out var caller))
        {
            context.Fail("The token does not name a user and a session.");
            return;
        }

        var check = await _cache.Session(caller.SessionId, _askGrain);
        if (!check.Active || check.UserId != caller.UserId)
        {
            context.Fail("The session is no longer active.");
            return;
        }

        Caller.Attach(context.HttpContext, caller);
    }
}
