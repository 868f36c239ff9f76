using Api.Mail;

namespace Api.Account;

public static class AccountLifecycleServices
{
    /// <summary>Mail (SMTP through MailKit, or the log without SMTP_HOST), its background sender, and the account routes' services.</summary>
    public static IServiceCollection AddAccountLifecycle(this IServiceCollection services, MailSettings mail)
    {
        services.AddSingleton(mail);
        if (mail.Host is null)
        {
            services.AddSingleton<IMailTransport, LogMailTransport>();
        }
        else
        {
            services.AddSingleton<IMailTransport, SmtpMailTransport>();
        }

        services.AddSingleton<MailOutbox>();
        services.AddHostedService<MailSender>();
        services.AddSingleton<AccountMails>();
        services.AddSingleton<PasswordResetRequests>();
        services.AddHostedService(sp => sp.GetRequiredService<PasswordResetRequests>());
        services.AddSingleton<AccountService>();
        return services;
    }
}
