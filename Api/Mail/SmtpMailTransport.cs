using MailKit.Net.Smtp;
using MimeKit;

namespace Api.Mail;

/// <summary>Sends through the configured SMTP server with MailKit, one connection per mail.</summary>
public sealed class SmtpMailTransport(MailSettings settings) : IMailTransport
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public async Task Send(OutgoingMail mail, CancellationToken cancellationToken)
    {
        var message = new MimeMessage();
        message.From.Add(settings.Sender);
        message.To.Add(MailboxAddress.Parse(mail.To));
        message.Subject = mail.Subject;
        message.Body = new BodyBuilder { TextBody = mail.Text, HtmlBody = mail.Html }.ToMessageBody();

        using var client = new SmtpClient { Timeout = (int)Timeout.TotalMilliseconds };
        await client.ConnectAsync(settings.Host ?? throw new InvalidOperationException("SMTP_HOST is not set."), settings.Port, settings.Security, cancellationToken);
        if (settings is { Username: { } username, Password: { } password })
        {
            await client.AuthenticateAsync(username, password, cancellationToken);
        }

        await client.SendAsync(message, cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
    }
}
