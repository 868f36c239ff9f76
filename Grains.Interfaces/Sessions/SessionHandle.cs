using Grains.Interfaces.Users;

namespace Grains.Interfaces.Sessions;

/// <summary>
/// One login session, keyed by session id (the JWT "sid"): a handle on its record in its shard, so call sites read
/// as if the session were a grain of its own. Each session's operations run one at a time, in the order they arrive.
/// </summary>
public readonly record struct SessionHandle(ISessionShardGrain Shard, Guid Id)
{
    /// <summary>Opens the session; false when this id was already used.</summary>
    public Task<bool> Start(StartSession command) => Shard.Start(Id, command);

    /// <summary>
    /// A login's session: starts it, then, once it is in the user's list, confirms with the user that the credentials
    /// are still those the login was checked against (<see cref="StartSession.CredentialVersion"/>). The user as
    /// confirmed; null when they changed meanwhile, the session then already revoked. Throws when the id was used.
    /// </summary>
    public Task<UserView?> Open(StartSession command) => Shard.Open(Id, command);

    /// <summary>Whether the session is live now; records the activity for the idle timeout.</summary>
    public Task<SessionCheck> Check() => Shard.Check(Id);

    /// <summary>Swaps the refresh token: <paramref name="presentedHash"/> must be the current one.</summary>
    public Task<RefreshResult> Refresh(string presentedHash, string replacementHash) => Shard.Refresh(Id, presentedHash, replacementHash);

    /// <summary>Ends the session (logout) and removes it from the user's session list.</summary>
    public Task Revoke() => Shard.Revoke(Id);

    /// <summary>Ends the session on behalf of the user's session list, which already forgets it.</summary>
    public Task RevokeFromUserList() => Shard.RevokeFromUserList(Id);

    /// <summary>
    /// Ends the session when <paramref name="presentedHash"/> is its current or a rotated-away refresh token
    /// (RFC 7009 revocation); true when it did.
    /// </summary>
    public Task<bool> RevokeByRefreshToken(string presentedHash) => Shard.RevokeByRefreshToken(Id, presentedHash);

    /// <summary>The session's details while it is live.</summary>
    public Task<SessionInfo?> GetInfo() => Shard.GetInfo(Id);
}
