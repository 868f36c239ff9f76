using Api.Account;
using Api.Auth;
using Api.Http;
using Api.Mail;
using Api.Security;
using Api.Tokens;
using Api.Users;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Hosting;
using Hosting.Configuration;
using Scalar.AspNetCore;

namespace Api.Hosting;

/// <summary>
/// Builds a front end from configuration: its role, its ports, and the cluster it joins as a client,
/// or, given an <see cref="IEmbeddedSilo"/> (the EmbeddedHost project), the silo it hosts itself.
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
        var embedded = embeddedSilo is not null;
        var tokenSettings = TokenSettings.From(builder.Configuration, embedded, signs: settings.ServesAuth);

        // The first admin's password meets the rules every other password meets.
        var adminPasswordErrors = new RequestErrors();
        if (settings.AdminPassword is not null)
        {
            FieldRules.NewPassword(adminPasswordErrors, "ADMIN_PASSWORD", settings.AdminPassword);
        }

        if (adminPasswordErrors.Any)
        {
            throw new ConfigurationException($"ADMIN_PASSWORD {string.Join("; ", adminPasswordErrors.ToDictionary()["ADMIN_PASSWORD"])}.");
        }

        // Login accepts only addresses registration would, so the first admin must have one too.
        if (settings.AdminEmail is { } adminEmail && !FieldRules.IsEmail(adminEmail))
        {
            throw new ConfigurationException($"ADMIN_EMAIL must be an email address such as admin@example.com, not '{adminEmail}'.");
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = MaxRequestHeaderBytes;
            kestrel.Limits.MaxRequestHeaderCount = MaxRequestHeaderCount;
            kestrel.Limits.MaxRequestLineSize = MaxRequestLineBytes;
            kestrel.AddServerHeader = false;
            if (settings.UrlsOverridden)
            {
                return;
            }

            foreach (var port in ListeningPorts(settings))
            {
                kestrel.ListenAnyIP(port);
            }

            // The embedded silo's endpoint shows the dashboard and its live log stream: this machine only.
            if (embedded)
            {
                kestrel.ListenLocalhost(deployment.SiloHttpPort);
            }
        });

        if (embeddedSilo is not null)
        {
            embeddedSilo.Add(builder, deployment);
        }
        else
        {
            builder.UseOrleansClient(client => client
                .ConfigureAuthClient(deployment)
                .UseConnectionRetryFilter(WaitForCluster));
        }

        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(settings);
        services.AddSingleton(new PasswordHasher(settings.HashQueueLimit));
        services.AddTokenKeys(settings, tokenSettings);
        services.AddSingleton<AccessTokens>();
        services.AddSingleton(sp => new FrontEndCache(sp.GetRequiredService<TimeProvider>(), settings.FrontEndCacheTtl));
        if (deployment.RedisConnection is { } redis)
        {
            // Without a cluster channel (embedded mode) the cache is never trusted: every request asks the grains.
            services.AddHostedService(sp => new ChangeSubscription(
                sp.GetRequiredService<FrontEndCache>(), redis, deployment.ClusterId, sp.GetRequiredService<ILogger<ChangeSubscription>>()));
        }

        services.AddSingleton<AuthService>();
        services.AddSingleton<UserService>();
        services.AddAccountLifecycle(mail);
        if (settings is { ServesUsers: true, AdminEmail: not null, AdminPassword: not null })
        {
            services.AddHostedService<AdminBootstrap>();
        }

        services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
            c.ProblemDetails.Extensions.TryAdd("code", ApiProblems.CodeFor(c.ProblemDetails.Status ?? c.HttpContext.Response.StatusCode)));
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(o => o.SerializerOptions.MaxDepth = MaxJsonDepth);
        services.AddDependencyHealthChecks(deployment);
        services.AddMetrics(AuthMetrics.MeterName);
        services.AddSingleton<AuthMetrics>();
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(ClientRateLimit.Policy, http => ClientRateLimit.For(http, settings.ClientRateLimitPerMinute));
            o.AddPolicy(ClientRateLimit.MailPolicy, http => ClientRateLimit.For(http, settings.MailRequestsPerHour, TimeSpan.FromHours(1)));
            o.OnRejected = ClientRateLimit.Reject;
        });
        services.AddOpenApi();

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<AccessTokens>((o, tokens) =>
            {
                o.MapInboundClaims = false;
                o.TokenValidationParameters = tokens.ValidationParameters;
                o.Events = new JwtBearerEvents
                {
                    // Keys first: a ring that is due is fetched before the token is checked against it.
                    OnMessageReceived = context => context.HttpContext.RequestServices.GetRequiredService<ITokenKeys>()
                        .EnsureFresh(context.HttpContext.RequestAborted).AsTask(),
                    OnTokenValidated = LiveSessionCheck.OnTokenValidated,
                    OnChallenge = async context =>
                    {
                        context.HandleResponse();
                        context.Response.Headers.WWWAuthenticate = "Bearer";
                        await ApiProblems.Unauthenticated().ExecuteAsync(context.HttpContext);
                    },
                };
            });
        services.AddAuthorization();

        var app = builder.Build();
        LogStart(app, settings, deployment, embeddedSilo);
        LogTokenSigning(app, tokenSettings);
        if (mail.Host is null)
        {
            app.Logger.LogWarning("SMTP_HOST is not set: mails are written to this log, links and tokens included, and NOT SENT");
        }

        // First: everything after it (limits, session records, logs) sees the client, not the proxy.
        app.UseTrustedProxies(settings.TrustedProxies);
        app.UseSecurityHeaders();
        app.UseConnectionCloseForOversizedBodies();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseListeningPorts();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseUtf8JsonBodies();

        // With ASPNETCORE_URLS the ports are the operator's: /metrics is then not served, for it could land on an API port.
        int? metricsPort = embedded ? deployment.SiloHttpPort : settings.ManagementPort;
        app.MapOperationalEndpoints(metricsPort, metrics: metricsPort is not null && !settings.UrlsOverridden);
        app.MapOpenApi();
        app.MapScalarApiReference();
        // Each API on its own port, by the port the connection came to (the Host header is the client's to write).
        var restrictByPort = !settings.UrlsOverridden;
        if (settings.ServesAuth)
        {
            var auth = app.MapAuthApi();
            var account = app.MapAccountAuthApi();
            var discovery = app.MapDiscoveryApi();
            if (restrictByPort)
            {
                auth.RequireListeningPort(settings.AuthPort);
                account.RequireListeningPort(settings.AuthPort);
                discovery.RequireListeningPort(settings.AuthPort);
            }
        }

        if (settings.ServesUsers)
        {
            var users = app.MapUsersApi();
            var account = app.MapAccountUsersApi();
            if (restrictByPort)
            {
                users.RequireListeningPort(settings.UserPort);
                account.RequireListeningPort(settings.UserPort);
            }
        }

        // The embedded silo's own endpoint: what a standalone silo serves on SILO_HTTP_PORT.
        embeddedSilo?.Map(app, deployment);

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

    private static IEnumerable<int> ListeningPorts(ApiSettings settings)
    {
        if (settings.ServesAuth)
        {
            yield return settings.AuthPort;
        }

        if (settings.ServesUsers)
        {
            yield return settings.UserPort;
        }

        if (settings.ManagementPort is { } management)
        {
            yield return management;
        }
    }

    // A front end may start before any silo: keep trying until the host stops.
    private static async Task<bool> WaitForCluster(Exception exception, CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        return true;
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
