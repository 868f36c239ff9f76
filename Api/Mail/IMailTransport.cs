namespace Api.Mail;

/// <summary>Hands one mail to the outside world; throws when it could not.</summary>
public interface IMailTransport
{
    Task Send(OutgoingMail mail, CancellationToken cancellationToken);
}
