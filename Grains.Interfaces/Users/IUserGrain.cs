using Orleans.Concurrency;

namespace Grains.Interfaces.Users;

/// <summary>One user, keyed by user id. Persisted in the "users" storage (PostgreSQL).</summary>
public interface IUserGrain : IGrainWithGuidKey
{
    Task<UserWriteResult> Create(CreateUser command);

    Task<UserWriteResult> Update(UpdateUser command);

    Task<UserView?> Get();

    /// <summary>
    /// Deactivates the user: login is refused from now on, every session is revoked and the email
    /// address is freed. The record stays, for audit. False when there is no active user.
    /// </summary>
    Task<bool> Deactivate();

    /// <summary>Starts a password check (login or a password change); see <see cref="LoginTicket"/>.</summary>
    Task<LoginTicket> BeginPasswordCheck();

    /// <summary>
    /// Reports the outcome of a granted check. <paramref name="rehashed"/> replaces an outdated hash, but only
    /// while the stored hash is still <paramref name="checkedHash"/>, the one the check was made against.
    /// Answers the stored user after a successful check of an active user (a login needs it next), else null.
    /// </summary>
    Task<UserView?> CompletePasswordCheck(bool succeeded, string? rehashed, string? checkedHash = null);

    /// <summary>
    /// The user, when the credentials a login was checked against (<paramref name="credentialVersion"/>, from
    /// its ticket) are still current; null after a password or email change or a deactivation. A login asks
    /// this after its session is listed, so a change either fails the login here or revokes the session.
    /// </summary>
    Task<UserView?> ConfirmLogin(long credentialVersion);

    /// <summary>Whether this user owns, or is in the middle of claiming, the given normalized email.</summary>
    [AlwaysInterleave]
    Task<bool> HoldsEmail(string normalizedEmail);
}
