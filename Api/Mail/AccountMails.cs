using System.Net;

namespace Api.Mail;

/// <summary>
/// The account mails (docs/contract.md, Account lifecycle), written and queued. Links point at PUBLIC_BASE_URL, where the deployer's
/// pages take the token and post it to the API; the token is also printed for clients that call the API directly.
/// </summary>
public sealed class AccountMails(MailSettings settings, MailOutbox outbox)
{
    public void Verification(string to, string name, string token) => outbox.Enqueue(Compose(
        to,
        "Confirm your email address",
        name,
        "Please confirm that this address is yours. The link works once, for 24 hours.",
        Link("verify-email", token),
        "Confirm my address",
        token,
        "POST /user/verify-email {\"token\": \"…\"}"));

    public void PasswordReset(string to, string name, string token) => outbox.Enqueue(Compose(
        to,
        "Reset your password",
        name,
        "Someone asked to reset the password of this account. If it was you, choose a new password; the link works once, for 30 minutes. If it was not you, ignore this mail: nothing changes.",
        Link("reset-password", token),
        "Choose a new password",
        token,
        "POST /auth/password/reset {\"token\": \"…\", \"newPassword\": \"…\"}"));

    /// <summary>The notice to the old address: if the change was not the owner's, they learn of it where the attacker cannot read.</summary>
    public void EmailChanged(string oldAddress, string name, string newAddress)
    {
        var text = $"Hello {name},\n\nThe email address of your account was changed from {oldAddress} to {newAddress}. "
            + "If you did not do this, contact your administrator at once.\n";
        var html = $"<p>Hello {Html(name)},</p><p>The email address of your account was changed from {Html(oldAddress)} to "
            + $"<b>{Html(newAddress)}</b>. If you did not do this, contact your administrator at once.</p>";
        outbox.Enqueue(new OutgoingMail(oldAddress, "Your email address was changed", text, html));
    }

    private string Link(string page, string token) => $"{settings.PublicBaseUrl}/{page}?token={Uri.EscapeDataString(token)}";

    private static OutgoingMail Compose(string to, string subject, string name, string why, string link, string action, string token, string apiCall)
    {
        var text = $"Hello {name},\n\n{why}\n\n{action}: {link}\n\nOr call the API: {apiCall}\nwith the token: {token}\n";
        var html = $"<p>Hello {Html(name)},</p><p>{Html(why)}</p><p><a href=\"{Html(link)}\">{Html(action)}</a></p>"
            + $"<p>Or call the API: <code>{Html(apiCall)}</code> with the token <code>{Html(token)}</code></p>";
        return new OutgoingMail(to, subject, text, html);
    }

    private static string Html(string value) => WebUtility.HtmlEncode(value);
}
