namespace Api.Mail;

/// <summary>One mail to send: plain text and HTML alternatives of the same message.</summary>
public sealed record OutgoingMail(string To, string Subject, string Text, string Html)
{
    /// <summary>Delivery attempts made so far; the sender retries with a growing pause.</summary>
    public int Attempts { get; init; }
}
