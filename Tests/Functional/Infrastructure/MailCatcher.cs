using System.Diagnostics;
using System.Text.RegularExpressions;
using MimeKit;

namespace Tests.Infrastructure;

/// <summary>
/// A real SMTP server on loopback (scripts/mail_catcher.py: Debian's python3-aiosmtpd) that writes every
/// message it accepts to a directory, where the tests read them back with MimeKit. It can be stopped and
/// started again on the same port, for mail outages.
/// </summary>
public sealed partial class MailCatcher : IAsyncDisposable
{
    // The subjects of the account mails. Mails from different front ends (registration on the User API, reset on
    // the Auth API) arrive in no set order, so tests pick them by subject.
    public const string Verification = "Confirm your email address";
    public const string Reset = "Reset your password";
    public const string EmailChanged = "Your email address was changed";

    private const string Python = "/usr/bin/python3";
    private readonly string _directory = Directory.CreateTempSubdirectory("mail-catcher-").FullName;
    private Process? _process;

    public int Port { get; } = FreePort.Next();

    public static async Task<MailCatcher> Start()
    {
        var catcher = new MailCatcher();
        await catcher.Resume();
        return catcher;
    }

    /// <summary>Kills the server, as an outage would: connections are refused until <see cref="Resume"/>.</summary>
    public async Task Stop()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    public async Task Resume()
    {
        var script = Path.Combine(AppContext.BaseDirectory, "mail_catcher.py");
        if (!File.Exists(Python))
        {
            throw new InvalidOperationException($"{Python} is missing: run ./test.sh, which installs python3-aiosmtpd.");
        }

        _process = Process.Start(new ProcessStartInfo(Python, [script, _directory, Port.ToString()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var ready = await _process.StandardOutput.ReadLineAsync();
        if (ready is null || !ready.StartsWith("listening", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The mail catcher did not start: {await _process.StandardError.ReadToEndAsync()}");
        }
    }

    /// <summary>Every message received so far for the address (with the subject, when one is given), in the order received.</summary>
    public IReadOnlyList<MimeMessage> MailsTo(string address, string? subject = null) =>
        [.. Directory.GetFiles(_directory, "*.eml")
            .Order()
            .Select(file => MimeMessage.Load(file))
            .Where(m => m.To.Mailboxes.Any(b => string.Equals(b.Address, address, StringComparison.OrdinalIgnoreCase)))
            .Where(m => subject is null || m.Subject == subject)];

    /// <summary>Waits until <paramref name="count"/> messages with the subject have arrived for the address, and returns the last of them.</summary>
    public async Task<MimeMessage> WaitForMail(string address, string subject, int count = 1, int seconds = 30)
    {
        var mails = await Poll.Until(() => Task.FromResult(MailsTo(address, subject)), m => m.Count >= count, seconds);
        Assert.True(mails.Count >= count, $"expected {count} mail(s) \"{subject}\" to {address} within {seconds} s, got {mails.Count}");
        return mails[count - 1];
    }

    /// <summary>The token a mail's link carries (the plain-text part).</summary>
    public static string TokenIn(MimeMessage mail)
    {
        var match = LinkToken().Match(mail.TextBody ?? "");
        Assert.True(match.Success, $"no link with a token in: {mail.TextBody}");
        return Uri.UnescapeDataString(match.Groups[1].Value);
    }

    public async ValueTask DisposeAsync()
    {
        await Stop();
        Directory.Delete(_directory, recursive: true);
    }

    [GeneratedRegex(@"\?token=([A-Za-z0-9_.%\-]+)")]
    private static partial Regex LinkToken();
}
