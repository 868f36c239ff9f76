using System.Threading.Channels;

namespace Api.Mail;

/// <summary>
/// Mails waiting for the sender. Enqueueing never waits: neither a request nor a grain turn waits for a
/// mail server, and an SMTP outage delays mails, never a registration. The queue is in this process's
/// memory: a crash loses the mails in it, and the user asks again (resend, or forgot-password).
/// </summary>
public sealed class MailOutbox(ILogger<MailOutbox> logger)
{
    public const int Capacity = 10_000;

    private readonly Channel<OutgoingMail> _queue = Channel.CreateBounded<OutgoingMail>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    public void Enqueue(OutgoingMail mail)
    {
        if (!_queue.Writer.TryWrite(mail))
        {
            logger.LogError("Mail outbox full ({Capacity}): a mail \"{Subject}\" was dropped", Capacity, mail.Subject);
        }
    }

    public ChannelReader<OutgoingMail> Reader => _queue.Reader;
}
