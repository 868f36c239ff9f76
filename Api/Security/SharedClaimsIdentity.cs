using System.Security.Claims;

namespace Api.Security;

/// <summary>
/// The identity of a remembered token verdict, handed to every request that presents those exact bytes: it
/// refuses changes to its claims, so nothing downstream can make one request's additions appear in another's.
/// </summary>
public sealed class SharedClaimsIdentity(ClaimsIdentity validated) : ClaimsIdentity(validated)
{
    public override void AddClaim(Claim claim) => throw Shared();

    public override void AddClaims(IEnumerable<Claim?> claims) => throw Shared();

    public override void RemoveClaim(Claim? claim) => throw Shared();

    public override bool TryRemoveClaim(Claim? claim) => throw Shared();

    private static InvalidOperationException Shared() =>
        new("This identity is shared by every request with the same token; copy it (Clone) to change its claims.");
}
