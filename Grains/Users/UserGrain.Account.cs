using Grains.Interfaces.Account;
using Grains.Interfaces.Sessions;
using Grains.Interfaces.Users;
using Grains.Users.Account;

namespace Grains.Users;

/// <summary>The account lifecycle of a user (docs/contract.md, Account lifecycle): mailed tokens, password reset, TOTP.</summary>
public sealed partial class UserGrain : IUserAccountGrain
{
    /// <summary>Reset mails one account may cause per <see cref="ResetWindow"/>: enough for a lost mail, too few to flood an inbox.</summary>
    public const int ResetsPerWindow = 3;
    public static readonly TimeSpan ResetWindow = TimeSpan.FromHours(1);
    public static readonly TimeSpan VerificationResendInterval = TimeSpan.FromMinutes(1);

    // Codes guessed against the second factor are braked like password guesses, separately from them.
    private PasswordGuessThrottle? _mfaThrottle;

    // Logins waiting for their second factor, each with the credential version its password was checked against.
    // Memory only: a lost activation costs the user a new login, nothing more.
    private readonly Dictionary<string, (DateTimeOffset Expires, long CredentialVersion)> _mfaTickets = [];

    private AccountState Account => State.Account;

    private PasswordGuessThrottle MfaThrottle => _mfaThrottle ??= new PasswordGuessThrottle(time, () => _mfaGuesses);

    // Second-factor guesses, counted as each begins (a code is checked here at once, not in a front end).
    private readonly GuessRecord _mfaGuesses = new();

    public async Task<MailTokenIssue> IssueEmailVerification(string tokenHash)
    {
        if (!State.IsActive || Account.EmailVerified)
        {
            return MailTokenIssue.Nothing;
        }

        var now = time.GetUtcNow();
        if (Account.LastVerificationIssuedAt is { } last && now - last < VerificationResendInterval)
        {
            return new MailTokenIssue(null, RetryAfter: last + VerificationResendInterval - now);
        }

        Account.Verification = new MailToken(tokenHash, now + AccountLifetimes.Verification, State.Email);
        Account.LastVerificationIssuedAt = now;
        await _writer.WriteAsync();
        return new MailTokenIssue(State.Email, State.Name);
    }

    public async Task<AccountResult> VerifyEmail(string tokenHash)
    {
        var now = time.GetUtcNow();
        if (!State.IsActive
            || Account.Verification is not { } token
            || token.Email != State.Email
            || !token.Matches(tokenHash, now))
        {
            return AccountResult.Of(AccountStatus.TokenGone);
        }

        await Change(() =>
        {
            Account.Verification = null;
            Account.EmailVerified = true;
            _outbox.Record(UserEvent.EmailVerified);
        });
        return new AccountResult(AccountStatus.Ok, View());
    }

    public async Task<MailTokenIssue> IssuePasswordReset(string tokenHash)
    {
        if (!State.IsActive)
        {
            return MailTokenIssue.Nothing;
        }

        var now = time.GetUtcNow();
        Account.ResetRequests.RemoveAll(at => now - at >= ResetWindow);
        if (Account.ResetRequests.Count >= ResetsPerWindow)
        {
            return MailTokenIssue.Nothing;
        }

        Account.ResetRequests.Add(now);
        Account.Reset = new MailToken(tokenHash, now + AccountLifetimes.Reset, State.Email);
        await _writer.WriteAsync();
        return new MailTokenIssue(State.Email, State.Name);
    }

    public async Task<AccountResult> ResetPassword(string tokenHash, string newPasswordHash)
    {
        if (!State.IsActive
            || Account.Reset is not { } token
            || token.Email != State.Email
            || !token.Matches(tokenHash, time.GetUtcNow()))
        {
            return AccountResult.Of(AccountStatus.TokenGone);
        }

        await Change(() =>
        {
            State.PasswordHash = newPasswordHash;
            Account.RevokeMailTokens();
            Account.ResetRequests.Clear();
            // Whoever proved the mailbox is the owner: past failures no longer count; logins in flight and
            // every session end, decided with the change and finished even if this activation dies.
            State.Guesses = new GuessRecord();
            State.CredentialVersion++;
            State.PendingRevocation = PendingRevocation.Merge(State.PendingRevocation, except: null);
            _outbox.Record(UserEvent.PasswordChanged);
        });
        await CompleteRevocation();
        return new AccountResult(AccountStatus.Ok, View());
    }

    public async Task<string?> BeginTotpSetup()
    {
        if (!State.IsActive || Account.TotpEnabled)
        {
            return null;
        }

        Account.TotpSecret = TotpCodes.NewSecret();
        await _writer.WriteAsync();
        return Account.TotpSecret;
    }

    public async Task<AccountResult> ConfirmTotp(string code)
    {
        if (!State.IsActive || Account.TotpEnabled || Account.TotpSecret is not { } secret)
        {
            return AccountResult.Of(AccountStatus.NotPending);
        }

        if (MfaThrottle.CountCertainFailure() is { } wait)
        {
            return new AccountResult(AccountStatus.Throttled, RetryAfter: wait);
        }

        if (TotpCodes.Match(secret, code, time.GetUtcNow()) is not { } step)
        {
            return AccountResult.Of(AccountStatus.InvalidCode);
        }

        MfaThrottle.Forgive();
        var codes = RecoveryCodes.Generate();
        await Change(() =>
        {
            Account.TotpEnabled = true;
            Account.LastTotpStep = step;
            Account.RecoveryCodeHashes = [.. codes.Select(RecoveryCodes.Hash)];
            _outbox.Record(UserEvent.MfaEnabled);
        });
        return new AccountResult(AccountStatus.Ok, View(), codes);
    }

    public async Task<AccountResult> DisableTotp(string code)
    {
        if (!State.IsActive || !Account.TotpEnabled)
        {
            return AccountResult.Of(AccountStatus.NotPending);
        }

        var check = await CheckSecondFactor(code);
        if (check.Status != AccountStatus.Ok)
        {
            return check;
        }

        await Change(TurnTotpOff);
        return new AccountResult(AccountStatus.Ok, View());
    }

    public async Task<bool> ResetTotp()
    {
        if (!State.IsActive || (!Account.TotpEnabled && Account.TotpSecret is null))
        {
            return false;
        }

        await Change(TurnTotpOff);
        return true;
    }

    public Task IssueMfaTicket(string ticketHash, long credentialVersion)
    {
        var now = time.GetUtcNow();
        foreach (var stale in _mfaTickets.Where(t => t.Value.Expires <= now).Select(t => t.Key).ToList())
        {
            _mfaTickets.Remove(stale);
        }

        _mfaTickets[ticketHash] = (now + AccountLifetimes.MfaTicket, credentialVersion);
        return Task.CompletedTask;
    }

    public async Task<AccountResult> CompleteMfaLogin(string ticketHash, string code)
    {
        // A ticket whose password check predates a credential change is dead: the change ended every login before it.
        if (!_mfaTickets.TryGetValue(ticketHash, out var ticket)
            || ticket.Expires <= time.GetUtcNow()
            || ticket.CredentialVersion != State.CredentialVersion
            || !State.IsActive
            || !Account.TotpEnabled)
        {
            _mfaTickets.Remove(ticketHash);
            return AccountResult.Of(AccountStatus.InvalidTicket);
        }

        var check = await CheckSecondFactor(code);
        if (check.Status == AccountStatus.Ok)
        {
            _mfaTickets.Remove(ticketHash);
            return check with { CredentialVersion = ticket.CredentialVersion };
        }

        return check;
    }

    /// <summary>
    /// One throttled guess at the second factor: a TOTP code newer than the last one accepted, or an unused
    /// recovery code. Either is spent (stored) before the answer, so a replay finds it gone.
    /// </summary>
    private async Task<AccountResult> CheckSecondFactor(string code)
    {
        if (MfaThrottle.CountCertainFailure() is { } wait)
        {
            return new AccountResult(AccountStatus.Throttled, RetryAfter: wait);
        }

        var now = time.GetUtcNow();
        if (TotpCodes.Match(Account.TotpSecret!, code, now) is { } step)
        {
            if (step <= Account.LastTotpStep)
            {
                return AccountResult.Of(AccountStatus.InvalidCode);
            }

            Account.LastTotpStep = step;
        }
        else if (!Account.RecoveryCodeHashes.Remove(RecoveryCodes.Hash(code)))
        {
            return AccountResult.Of(AccountStatus.InvalidCode);
        }

        await _writer.WriteAsync();
        MfaThrottle.Forgive();
        return new AccountResult(AccountStatus.Ok, View());
    }

    private void TurnTotpOff()
    {
        Account.TotpEnabled = false;
        Account.TotpSecret = null;
        Account.RecoveryCodeHashes = [];
        _outbox.Record(UserEvent.MfaDisabled);
    }

    /// <summary>A versioned change with its event, stored with the outbox (a failed write deactivates, see <see cref="WriteWithOutbox"/>).</summary>
    private async Task Change(Action apply)
    {
        State.UpdatedAt = time.GetUtcNow();
        State.Version++;
        apply();
        await WriteWithOutbox();
        _outbox.PublishSoon(TimeSpan.Zero);
    }
}
