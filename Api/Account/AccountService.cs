using Api.Auth;
using Api.Hosting;
using Api.Mail;
using Api.Security;
using Grains.Interfaces.Account;
using Grains.Interfaces.Users;
using QRCoder;

namespace Api.Account;

public enum AccountOutcomeStatus
{
    Ok,
    Unauthenticated,
    Forbidden,
    NotFound,
    TokenGone,
    PasswordMismatch,
    InvalidCode,
    InvalidTicket,
    AlreadyOn,
    NotPending,
    Throttled,
}

public sealed record AccountOutcome(AccountOutcomeStatus Status, TimeSpan RetryAfter = default)
{
    public static readonly AccountOutcome Ok = new(AccountOutcomeStatus.Ok);

    public static AccountOutcome Of(AccountOutcomeStatus status) => new(status);
}

/// <summary>Verification, password reset and the second factor over the cluster (docs/contract.md, Account lifecycle); the endpoints only translate to HTTP.</summary>
public sealed class AccountService(
    IGrainFactory grains,
    PasswordHasher hasher,
    AuthService auth,
    AccountMails mails,
    PasswordResetRequests resets,
    ApiSettings settings,
    ILogger<AccountService> logger)
{
    public void ForgotPassword(string email) => resets.Enqueue(email);

    public async Task<(AccountOutcomeStatus Status, UserView? User)> VerifyEmail(string token)
    {
        if (!AccountTokens.TryParse(token, out var userId))
        {
            return (AccountOutcomeStatus.TokenGone, null);
        }

        var result = await Account(userId).VerifyEmail(AccountTokens.Hash(token));
        if (result.Status != AccountStatus.Ok)
        {
            return (AccountOutcomeStatus.TokenGone, null);
        }

        logger.LogInformation("User {UserId} verified their email address", userId);
        return (AccountOutcomeStatus.Ok, result.User);
    }

    public async Task<AccountOutcome> ResendVerification(Caller caller)
    {
        var token = AccountTokens.Create(caller.UserId);
        var issue = await Account(caller.UserId).IssueEmailVerification(AccountTokens.Hash(token));
        if (issue.RetryAfter > TimeSpan.Zero)
        {
            return new AccountOutcome(AccountOutcomeStatus.Throttled, issue.RetryAfter);
        }

        if (issue.Email is not null)
        {
            mails.Verification(issue.Email, issue.Name ?? "", token);
        }

        return AccountOutcome.Ok;
    }

    public async Task<AccountOutcome> ResetPassword(string token, string newPassword)
    {
        if (!AccountTokens.TryParse(token, out var userId))
        {
            return AccountOutcome.Of(AccountOutcomeStatus.TokenGone);
        }

        var result = await Account(userId).ResetPassword(AccountTokens.Hash(token), await hasher.HashAsync(newPassword));
        if (result.Status != AccountStatus.Ok)
        {
            return AccountOutcome.Of(AccountOutcomeStatus.TokenGone);
        }

        logger.LogInformation("User {UserId} reset their password; every session revoked", userId);
        return AccountOutcome.Ok;
    }

    public async Task<(AccountOutcome Outcome, TotpSetupResponse? Setup)> BeginTotp(Caller caller, string currentPassword)
    {
        if (await CheckPassword(caller, currentPassword) is { } denied)
        {
            return (denied, null);
        }

        var user = await grains.GetGrain<IUserGrain>(caller.UserId).Get();
        var secret = user is null ? null : await Account(caller.UserId).BeginTotpSetup();
        if (user is null || secret is null)
        {
            return (AccountOutcome.Of(user is null ? AccountOutcomeStatus.Unauthenticated : AccountOutcomeStatus.AlreadyOn), null);
        }

        var issuer = Uri.EscapeDataString(settings.JwtIssuer);
        var uri = $"otpauth://totp/{issuer}:{Uri.EscapeDataString(user.Email)}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits=6&period=30";
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(uri, QRCodeGenerator.ECCLevel.M);
        return (AccountOutcome.Ok, new TotpSetupResponse(secret, uri, new SvgQRCode(data).GetGraphic(4)));
    }

    public async Task<(AccountOutcome Outcome, IReadOnlyList<string>? RecoveryCodes)> ConfirmTotp(Caller caller, string code)
    {
        var result = await Account(caller.UserId).ConfirmTotp(code);
        if (result.Status == AccountStatus.Ok)
        {
            logger.LogInformation("User {UserId} turned TOTP on", caller.UserId);
        }

        return (Translate(result), result.RecoveryCodes);
    }

    public async Task<AccountOutcome> DisableTotp(Caller caller, string currentPassword, string code)
    {
        if (await CheckPassword(caller, currentPassword) is { } denied)
        {
            return denied;
        }

        var result = await Account(caller.UserId).DisableTotp(code);
        if (result.Status == AccountStatus.Ok)
        {
            logger.LogInformation("User {UserId} turned TOTP off", caller.UserId);
        }

        return Translate(result);
    }

    /// <summary>An admin turns another user's second factor off (a lost phone and lost recovery codes).</summary>
    public async Task<AccountOutcome> ResetTotp(Caller caller, Guid userId)
    {
        var admin = await grains.GetGrain<IUserGrain>(caller.UserId).Get();
        if (admin is null)
        {
            return AccountOutcome.Of(AccountOutcomeStatus.Unauthenticated);
        }

        if (!admin.IsAdmin)
        {
            return AccountOutcome.Of(AccountOutcomeStatus.Forbidden);
        }

        if (!await Account(userId).ResetTotp())
        {
            return AccountOutcome.Of(AccountOutcomeStatus.NotFound);
        }

        logger.LogWarning("Admin {AdminId} reset the second factor of user {UserId}", caller.UserId, userId);
        return AccountOutcome.Ok;
    }

    public async Task<(AccountOutcome Outcome, TokenResponse? Tokens)> CompleteMfaLogin(string ticket, string code, string? userAgent, string? ipAddress)
    {
        if (!AccountTokens.TryParse(ticket, out var userId))
        {
            return (AccountOutcome.Of(AccountOutcomeStatus.InvalidTicket), null);
        }

        var result = await Account(userId).CompleteMfaLogin(AccountTokens.Hash(ticket), code);
        if (result is not { Status: AccountStatus.Ok, User: { } user })
        {
            logger.LogInformation("Second factor refused for user {UserId} from {Ip}: {Status}", userId, ipAddress, result.Status);
            return (Translate(result), null);
        }

        // The ticket's credential version is confirmed once the session is listed: a change since then revokes it.
        return await auth.OpenSession(user, userAgent, ipAddress, result.CredentialVersion) is { } tokens
            ? (AccountOutcome.Ok, tokens)
            : (AccountOutcome.Of(AccountOutcomeStatus.InvalidTicket), null);
    }

    private async Task<AccountOutcome?> CheckPassword(Caller caller, string password)
    {
        var check = await auth.CheckPassword(caller.UserId, password);
        return check.Status switch
        {
            LoginStatus.Succeeded => null,
            LoginStatus.Throttled => new AccountOutcome(AccountOutcomeStatus.Throttled, check.RetryAfter),
            _ => AccountOutcome.Of(AccountOutcomeStatus.PasswordMismatch),
        };
    }

    private IUserAccountGrain Account(Guid userId) => grains.GetGrain<IUserAccountGrain>(userId);

    private static AccountOutcome Translate(AccountResult result) => result.Status switch
    {
        AccountStatus.Ok => AccountOutcome.Ok,
        AccountStatus.Throttled => new AccountOutcome(AccountOutcomeStatus.Throttled, result.RetryAfter),
        AccountStatus.InvalidCode => AccountOutcome.Of(AccountOutcomeStatus.InvalidCode),
        AccountStatus.InvalidTicket => AccountOutcome.Of(AccountOutcomeStatus.InvalidTicket),
        AccountStatus.NotPending => AccountOutcome.Of(AccountOutcomeStatus.NotPending),
        AccountStatus.TokenGone => AccountOutcome.Of(AccountOutcomeStatus.TokenGone),
        _ => AccountOutcome.Of(AccountOutcomeStatus.NotFound),
    };
}
