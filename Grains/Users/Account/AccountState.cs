namespace Grains.Users.Account;

/// <summary>The account-lifecycle part of a user's stored state (docs/contract.md, Account lifecycle); never leaves the grain.</summary>
[GenerateSerializer]
public sealed class AccountState
{
    [Id(0)] public bool EmailVerified { get; set; }

    /// <summary>The one live verification token, for the address it was mailed to.</summary>
    [Id(1)] public MailToken? Verification { get; set; }

    /// <summary>The one live reset token.</summary>
    [Id(2)] public MailToken? Reset { get; set; }

    /// <summary>When reset mails were issued lately, for the per-account limit.</summary>
    [Id(3)] public List<DateTimeOffset> ResetRequests { get; set; } = [];

    [Id(4)] public DateTimeOffset? LastVerificationIssuedAt { get; set; }

    /// <summary>Base32 TOTP secret; on once <see cref="TotpEnabled"/>, pending until then.</summary>
    [Id(5)] public string? TotpSecret { get; set; }

    [Id(6)] public bool TotpEnabled { get; set; }

    /// <summary>SHA-256 of each unused recovery code.</summary>
    [Id(7)] public List<string> RecoveryCodeHashes { get; set; } = [];

    /// <summary>The newest TOTP time step accepted: a code of that step or an older one is refused (no replay).</summary>
    [Id(8)] public long LastTotpStep { get; set; }

    /// <summary>Every mailed token dies: the password or the address changed.</summary>
    public void RevokeMailTokens()
    {
        Verification = null;
        Reset = null;
    }

    public AccountState Copy() => new()
    {
        EmailVerified = EmailVerified,
        Verification = Verification,
        Reset = Reset,
        ResetRequests = [.. ResetRequests],
        LastVerificationIssuedAt = LastVerificationIssuedAt,
        TotpSecret = TotpSecret,
        TotpEnabled = TotpEnabled,
        RecoveryCodeHashes = [.. RecoveryCodeHashes],
        LastTotpStep = LastTotpStep,
    };
}
