using System.Text.Json.Serialization;

namespace Api.Account;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ForgotPasswordRequest(string? Email);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ResetPasswordRequest(string? Token, string? NewPassword);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record VerifyEmailRequest(string? Token);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record TotpSetupRequest(string? CurrentPassword);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record TotpConfirmRequest(string? Code);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record TotpDisableRequest(string? CurrentPassword, string? Code);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record MfaLoginRequest(string? MfaTicket, string? Code);

/// <summary>The answer to forgot-password, one object for every address: nothing in it depends on the account.</summary>
public sealed record AcceptedResponse(string Status, string Detail)
{
    public static readonly AcceptedResponse ResetMailQueued =
        new("accepted", "If an account uses this address, a reset link is on its way; it works once, for 30 minutes.");

    public static readonly AcceptedResponse VerificationQueued =
        new("accepted", "If the address is not verified yet, a new link is on its way; it works once, for 24 hours.");
}

public sealed record TotpSetupResponse(string Secret, string OtpauthUri, string QrSvg);

public sealed record RecoveryCodesResponse(IReadOnlyList<string> RecoveryCodes);
