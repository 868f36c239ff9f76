using OtpNet;

namespace Grains.Users.Account;

/// <summary>RFC 6238 codes through Otp.NET: 6 digits, 30-second steps, SHA-1 (what authenticator apps expect).</summary>
public static class TotpCodes
{
    private const int SecretBytes = 20;

    // One step either side absorbs clock drift between the phone and the cluster (RFC 6238 §5.2).
    private static readonly VerificationWindow Drift = new(previous: 1, future: 1);

    public static string NewSecret() => Base32Encoding.ToString(KeyGeneration.GenerateRandomKey(SecretBytes));

    /// <summary>The time step the code belongs to, when it is valid now; null otherwise.</summary>
    public static long? Match(string base32Secret, string code, DateTimeOffset now)
    {
        if (code.Length != 6 || !code.All(char.IsAsciiDigit))
        {
            return null;
        }

        var totp = new Totp(Base32Encoding.ToBytes(base32Secret));
        return totp.VerifyTotp(now.UtcDateTime, code, out var step, Drift) ? step : null;
    }

    /// <summary>The code for a moment: for tests and tools that play the authenticator.</summary>
    public static string At(string base32Secret, DateTimeOffset moment) =>
        new Totp(Base32Encoding.ToBytes(base32Secret)).ComputeTotp(moment.UtcDateTime);
}
