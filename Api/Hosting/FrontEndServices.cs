using Api.Account;
using Api.Auth;
using Api.Http;
using Api.Mail;
using Api.OpenApi;
using Api.Security;
using Api.Tokens;
using Api.Users;
using Hosting;
using Hosting.Configuration;
using Hosting.Failover;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Api.Hosting;

/// <summary>What a front end adds to its host: Kestrel's limits and ports, the cluster, and its services.</summary>
public static class FrontEndServices
{
    public static WebApplicationBuilder AddFrontEnd(
        this WebApplicationBuilder builder, ApiSettings settings, TokenSettings tokenSettings, MailSettings mail, DeploymentSettings deployment, IEmbeddedSilo? embeddedSilo)
    {
        var embedded = embeddedSilo is not null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = ApiHost.MaxRequestBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = ApiHost.MaxRequestHeaderBytes;
            kestrel.Limits.MaxRequestHeaderCount = ApiHost.MaxRequestHeaderCount;
            kestrel.Limits.MaxRequestLineSize = ApiHost.MaxRequestLineBytes;
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
        // Reads asked again after a silo's loss. The loss signal fires on a cluster client's gateway connections
        // (ClientSetup); an embedded front end has none, and its reads are retried only when a call fails as lost.
        services.TryAddSingleton<SiloLossSignal>();
        services.AddSingleton<ReadRetry>();
        services.AddSingleton<LiveSessionCheck>();
        services.AddSingleton<TokenVerdicts>();
        if (deployment.RedisConnection is { } redis)
        {
            // Without a cluster channel (embedded mode) the cache is never trusted: every request asks the grains.
            services.AddHostedService(sp => new ChangeSubscription(
                sp.GetRequiredService<FrontEndCache>(), redis, deployment.ClusterId, sp.GetRequiredService<ILogger<ChangeSubscription>>()));
        }

        services.AddSingleton<AuthService>();
        services.AddSingleton<UserResponseBodies>();
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
        services.Configure<JsonOptions>(o => o.SerializerOptions.MaxDepth = ApiHost.MaxJsonDepth);
        services.AddDependencyHealthChecks(deployment);
        services.AddMetrics(AuthMetrics.MeterName);
        services.AddSingleton<AuthMetrics>();
        services.AddSingleton(sp => new ClientFailureLimit(sp.GetRequiredService<TimeProvider>(), settings.ClientRateLimitPerMinute));
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(ClientRateLimit.Policy, http => ClientRateLimit.For(http, settings.ClientRateLimitPerMinute));
            o.AddPolicy(ClientRateLimit.MailPolicy, http => ClientRateLimit.For(http, settings.MailRequestsPerHour, TimeSpan.FromHours(1)));
            o.OnRejected = ClientRateLimit.Reject;
        });
        services.AddApiDocuments();

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<AccessTokens, ITokenKeys, TokenVerdicts, LiveSessionCheck>((o, tokens, keys, verdicts, liveSession) =>
            {
                o.MapInboundClaims = false;
                // Nothing reads the token back from the ticket (GetTokenAsync); storing it cost ~0.6 KB per request.
                o.SaveToken = false;
                o.TokenValidationParameters = tokens.ValidationParameters;
                o.TokenHandlers.Clear();
                o.TokenHandlers.Add(verdicts);
                o.Events = new JwtBearerEvents
                {
                    OnMessageReceived = context =>
                    {
                        context.Token = verdicts.KnownToken(context.Request.Headers.Authorization);
                        // Keys first: a ring that is due is fetched before the token is checked against it.
                        return keys.EnsureFresh(context.HttpContext.RequestAborted).AsTask();
                    },
                    OnTokenValidated = liveSession.OnTokenValidated,
                    OnChallenge = async context =>
                    {
                        context.HandleResponse();
                        context.Response.Headers.WWWAuthenticate = "Bearer";
                        await ApiProblems.Unauthenticated().ExecuteAsync(context.HttpContext);
                    },
                };
            });
        services.AddAuthorization();

        return builder;
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
}
