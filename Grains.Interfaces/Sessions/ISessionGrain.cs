using Grains.Interfaces.Users;

namespace Grains.Interfaces.Sessions;

/// <summary>One login session, keyed by session id (the JWT "sid"). Persisted in the "sessions" storage (Redis).</summary>
public interface ISessionGrain : IGrainWithGuidKey
{
    /// <summary>Opens the session; false when this id was already used.</summary>
    Task<bool> Start(StartSession command);

    /// <summary>
    /// A login's session: starts it, then, once it is in the user's list, confirms with the user that the credentials
    /// are still those the login was checked against (<see cref="StartSession.CredentialVersion"/>). The user as
    /// confirmed; null when they changed meanwhile, the session then already revoked. Throws when the id was used.
    /// </summary>
    Task<UserView?> Open(StartSession command);

    /// <summary>Whether the session is live now; records the activity for the idle timeout.</summary>
    Task<SessionCheck> Check();

    /// <summary>Swaps the refresh token: <paramref name="presentedHash"/> must be the current one.</summary>
    Task<RefreshResult> Refresh(string presentedHash, string replacementHash);

    /// <summary>Ends the session (logout) and removes it from the user's session list.</summary>
    Task Revoke();

    /// <summary>Ends the session on behalf of the user's session list, which already forgets it.</summary>
    Task RevokeFromUserList();

    /// <summary>
    /// Ends the session when <paramref name="presentedHash"/> is its current or a rotated-away refresh token
    /// (RFC 7009 revocation); true when it did.
    /// </summary>
    Task<bool> RevokeByRefreshToken(string presentedHash);

    /// <summary>The session's details while it is live.</summary>
    Task<SessionInfo?> GetInfo();
}
