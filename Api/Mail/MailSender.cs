namespace Api.Mail;

/// <summary>
/// Drains the outbox in the background. A failed mail waits and goes back to the queue (1 s, 2 s, 4 s …
/// at most 5 min apart) while the others go on; after <see cref="MaxAttempts"/> it is given up and logged.
/// </summary>
public sealed class MailSender(MailOutbox outbox, IMailTransport transport, TimeProvider time, ILogger<MailSender> logger) : BackgroundService
{
    public const int MaxAttempts = 12;
    private static readonly TimeSpan MaxPause = TimeSpan.FromMinutes(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var mail in outbox.Reader.ReadAllAsync(stoppingToken))
            {
                await SendOnce(mail, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task SendOnce(OutgoingMail mail, CancellationToken stoppingToken)
    {
        try
        {
            await transport.Send(mail, stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            var attempts = mail.Attempts + 1;
            if (attempts >= MaxAttempts)
            {
                logger.LogError("Mail \"{Subject}\" given up after {Attempts} attempts: {Reason}", mail.Subject, attempts, e.Message);
                return;
            }

            var pause = TimeSpan.FromSeconds(Math.Min(MaxPause.TotalSeconds, Math.Pow(2, attempts - 1)));
            logger.LogWarning("Sending mail \"{Subject}\" failed ({Reason}); retry {Attempt} in {Pause}", mail.Subject, e.Message, attempts, pause);
            _ = RetryLater(mail with { Attempts = attempts }, pause, stoppingToken);
        }
    }

    private async Task RetryLater(OutgoingMail mail, TimeSpan pause, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(pause, time, stoppingToken);
            outbox.Enqueue(mail);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
