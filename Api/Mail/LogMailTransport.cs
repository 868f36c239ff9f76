namespace Api.Mail;

/// <summary>
/// Without SMTP_HOST (the embedded default) a mail is written to the log, marked as not sent, so that a
/// newcomer can still follow its link. The link carries a live token: never run a real deployment this way.
/// </summary>
public sealed class LogMailTransport(ILogger<LogMailTransport> logger) : IMailTransport
{
    public Task Send(OutgoingMail mail, CancellationToken cancellationToken)
    {
        logger.LogWarning("MAIL NOT SENT (SMTP_HOST is not set) to {To}: {Subject}\n{Text}", mail.To, mail.Subject, mail.Text);
        return Task.CompletedTask;
    }
}
