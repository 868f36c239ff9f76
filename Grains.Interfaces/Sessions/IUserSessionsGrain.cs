using Orleans.Concurrency;

namespace Grains.Interfaces.Sessions;

/// <summary>The sessions of one user, keyed by user id: what logout-all and a password change revoke.</summary>
public interface IUserSessionsGrain : IGrainWithGuidKey
{
    Task Add(Guid sessionId);

    /// <summary>Forgets a session whose revocation is stored. One-way: a revoking session never waits on its list.</summary>
    [OneWay]
    Task Forget(Guid sessionId);

    /// <summary>Revokes every session of the user except <paramref name="except"/>.</summary>
    Task RevokeAll(Guid? except);

    /// <summary>The user's live sessions; ones that ended on their own are forgotten.</summary>
    Task<IReadOnlyList<SessionInfo>> List();
}
