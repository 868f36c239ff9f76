namespace Grains.Interfaces.Account;

/// <summary>
/// The account-lifecycle side of a user (docs/contract.md, Account lifecycle): mailed tokens, password reset and the TOTP second
/// factor. Implemented by the same grain as <see cref="Users.IUserGrain"/> (same key, same activation),
/// kept apart so that each interface stays one concern. Tokens arrive as SHA-256 hashes: the plain
/// token exists only in the mail and in the front end that wrote it.
/// </summary>
public interface IUserAccountGrain : IGrainWithGuidKey
{
    /// <summary>Replaces the pending verification token of the current address; says where to mail it.</summary>
    Task<MailTokenIssue> IssueEmailVerification(string tokenHash);

    /// <summary>Marks the address verified when the token is the live one for the current address.</summary>
    Task<AccountResult> VerifyEmail(string tokenHash);

    /// <summary>
    /// Replaces the pending reset token; says where to mail it, or that nothing is to be sent (no active user,
    /// or this account asked too often). The caller never tells the client which, so nothing leaks.
    /// </summary>
    Task<MailTokenIssue> IssuePasswordReset(string tokenHash);

    /// <summary>Sets a new password with a live reset token; every session ends and the token dies.</summary>
    Task<AccountResult> ResetPassword(string tokenHash, string newPasswordHash);

    /// <summary>Starts (or restarts) a TOTP setup: a fresh secret, pending until confirmed. Null when TOTP is already on.</summary>
    Task<string?> BeginTotpSetup();

    /// <summary>Turns the pending secret on when the code matches; the answer carries the 10 recovery codes, shown once.</summary>
    Task<AccountResult> ConfirmTotp(string code);

    /// <summary>Turns TOTP off with a current code or a recovery code (the caller has checked the password).</summary>
    Task<AccountResult> DisableTotp(string code);

    /// <summary>An admin's reset: TOTP off, recovery codes gone. False when it was not on.</summary>
    Task<bool> ResetTotp();

    /// <summary>
    /// Remembers a login that passed the password check against <paramref name="credentialVersion"/> and now waits
    /// for the second factor; a credential change since then makes the ticket invalid.
    /// </summary>
    Task IssueMfaTicket(string ticketHash, long credentialVersion);

    /// <summary>
    /// Completes a waiting login with a TOTP code or a recovery code; the ticket is spent on success, and the
    /// result carries the credential version the session must still be opened under.
    /// </summary>
    Task<AccountResult> CompleteMfaLogin(string ticketHash, string code);
}
