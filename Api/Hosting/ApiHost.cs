using Api.Mail;
using Api.Tokens;
using Hosting;
using Hosting.Configuration;

namespace Api.Hosting;

/// <summary>
/// Builds a front end from configuration: its role, its ports, and the cluster it joins as a client,
/// or, given an <see cref="IEmbeddedSilo"/> (the EmbeddedHost project), the silo it hosts itself.
/// Three steps: add the services (<see cref="FrontEndServices"/>), build, then the request pipeline and
/// the routes (<see cref="FrontEndPipeline"/>).
/// </summary>
public static class ApiHost
{
    public const long MaxRequestBodyBytes = 64 * 1024;
    public const int MaxJsonDepth = 16;

    // Explicit rather than Kestrel's defaults (32 KiB, 100 headers): a bearer token is under 1 KiB,
    // so a request needs far less, and every byte of headers is held in memory before any check runs.
    public const int MaxRequestHeaderBytes = 16 * 1024;
    public const int MaxRequestHeaderCount = 50;
    public const int MaxRequestLineBytes = 8 * 1024;

    /// <summary>Builds the application; throws <see cref="ConfigurationException"/> for a bad setting.</summary>
    public static WebApplication Build(WebApplicationBuilder builder, IEmbeddedSilo? embeddedSilo = null)
    {
        builder.Configuration.AddLogLevelDefaults();
        var deployment = DeploymentSettings.From(builder.Configuration);
        var settings = ApiSettings.From(builder.Configuration, deployment);
        var mail = MailSettings.From(builder.Configuration);
        var tokenSettings = TokenSettings.From(builder.Configuration, embedded: embeddedSilo is not null, signs: settings.ServesAuth);
        builder.AddFrontEnd(settings, tokenSettings, mail, deployment, embeddedSilo);
        var app = builder.Build();
        LogStart(app, settings, deployment, embeddedSilo);
        LogTokenSigning(app, tokenSettings);
        if (mail.Host is null)
        {
            app.Logger.LogWarning("SMTP_HOST is not set: mails are written to this log, links and tokens included, and NOT SENT");
        }

        app.UseFrontEnd();
        app.MapFrontEnd(settings, deployment, embeddedSilo);
        return app;
    }

    private static void LogTokenSigning(WebApplication app, TokenSettings tokens)
    {
        app.Logger.LogInformation(
            "Access tokens: {Algorithm}; introspection clients: {Clients}", tokens.Algorithm, tokens.IntrospectionClients.Count);
        if (tokens.KeyEncryptionKeyGenerated)
        {
            app.Logger.LogWarning("JWT_KEY_ENCRYPTION_KEY is not set: the in-memory key ring is sealed with a random per-process key");
        }
    }

    private static void LogStart(WebApplication app, ApiSettings settings, DeploymentSettings deployment, IEmbeddedSilo? embeddedSilo)
    {
        app.Logger.LogInformation(
            "API role {Role} (auth port {AuthPort}, user port {UserPort}); {Mode}",
            settings.Role,
            settings.AuthPort,
            settings.UserPort,
            embeddedSilo is not null ? $"embedded silo, {embeddedSilo.Describe(deployment)}" : $"cluster client of {deployment.ClusterId}");
        if (settings.JwtSecretGenerated)
        {
            app.Logger.LogWarning("JWT_SECRET is not set: using a random per-process key; tokens die with this process");
        }

        if (embeddedSilo is not null && deployment.PersistsNothing)
        {
            app.Logger.LogWarning("Embedded mode with in-memory storage: NOTHING IS PERSISTED (set REDIS_HOST and POSTGRES_HOST to keep data)");
        }
    }
}
