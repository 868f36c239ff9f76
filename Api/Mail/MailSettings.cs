using MailKit.Security;
using MimeKit;
using Hosting.Configuration;
using static Hosting.Configuration.Setting;

namespace Api.Mail;

/// <summary>Outgoing mail (docs/contract.md, Account lifecycle), read once at start; a bad value stops the process with one line naming it.</summary>
public sealed record MailSettings
{
    /// <summary>Null: mails are written to the log, marked as not sent (the embedded default).</summary>
    public string? Host { get; init; }
    public int Port { get; init; } = 25;
    public string? Username { get; init; }
    public string? Password { get; init; }
    public MailboxAddress Sender { get; init; } = new("Auth service", "no-reply@localhost");
    public SecureSocketOptions Security { get; init; } = SecureSocketOptions.None;

    /// <summary>The base of links in mails, without a trailing slash.</summary>
    public string PublicBaseUrl { get; init; } = "http://localhost:3002";

    public static MailSettings From(IConfiguration config)
    {
        var host = Optional(config, "SMTP_HOST");
        var security = ParseSecurity(Optional(config, "SMTP_SECURITY"));
        var username = Optional(config, "SMTP_USERNAME");
        var password = config["SMTP_PASSWORD"] is { Length: > 0 } p ? p : null;
        if ((username is null) != (password is null))
        {
            throw new ConfigurationException("SMTP_USERNAME and SMTP_PASSWORD must be set together.");
        }

        return new MailSettings
        {
            Host = host,
            Port = Port(config, "SMTP_PORT", security == SecureSocketOptions.SslOnConnect ? 465 : 25),
            Username = username,
            Password = password,
            Sender = ParseFrom(Optional(config, "SMTP_FROM")),
            Security = security,
            PublicBaseUrl = ParseBaseUrl(Optional(config, "PUBLIC_BASE_URL")),
        };
    }

    private static SecureSocketOptions ParseSecurity(string? raw) => raw?.ToLowerInvariant() switch
    {
        null or "none" => SecureSocketOptions.None,
        "starttls" => SecureSocketOptions.StartTls,
        "tls" => SecureSocketOptions.SslOnConnect,
        _ => throw new ConfigurationException($"SMTP_SECURITY must be none, starttls or tls, not '{raw}'."),
    };

    private static MailboxAddress ParseFrom(string? raw) => raw switch
    {
        null => new MailboxAddress("Auth service", "no-reply@localhost"),
        _ when MailboxAddress.TryParse(raw, out var address) => address,
        _ => throw new ConfigurationException($"SMTP_FROM must be an address such as 'Auth <no-reply@example.com>', not '{raw}'."),
    };

    private static string ParseBaseUrl(string? raw) => raw switch
    {
        null => "http://localhost:3002",
        _ when Uri.TryCreate(raw, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Query.Length == 0 => raw.TrimEnd('/'),
        _ => throw new ConfigurationException($"PUBLIC_BASE_URL must be an absolute http(s) URL without a query, not '{raw}'."),
    };
}
