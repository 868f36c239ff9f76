namespace Grains.Interfaces.Account;

/// <summary>How long the account lifecycle's tokens live (docs/contract.md, Account lifecycle), known to the grain that enforces them and the front ends that tell clients.</summary>
public static class AccountLifetimes
{
    public static readonly TimeSpan Verification = TimeSpan.FromHours(24);
    public static readonly TimeSpan Reset = TimeSpan.FromMinutes(30);
    public static readonly TimeSpan MfaTicket = TimeSpan.FromMinutes(5);
}
