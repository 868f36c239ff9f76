using System.Security.Cryptography;
using System.Text;
using Api.Http;
using Hosting.Configuration;
using static Hosting.Configuration.Setting;

namespace Api.Hosting;

/// <summary>The front end's own settings (docs/contract.md, Configuration), read once at start; a bad value stops the process with one line.</summary>
public sealed record ApiSettings
{
    public const int MinimumSecretBytes = 32;

    // The defaults are the initializers below, written once; a setting that is not given keeps them.
    private static readonly ApiSettings Defaults = new() { JwtSecret = [] };

    public ApiRole Role { get; init; } = ApiRole.All;
    public int AuthPort { get; init; } = 3001;
    public int UserPort { get; init; } = 3002;

    /// <summary>True when ASPNETCORE_URLS (or --urls) chooses the addresses instead of the role's ports.</summary>
    public bool UrlsOverridden { get; init; }

    public required byte[] JwtSecret { get; init; }
    public bool JwtSecretGenerated { get; init; }
    public string JwtIssuer { get; init; } = "auth-service";
    public string JwtAudience { get; init; } = "auth-service";
    public TimeSpan AccessTokenLifetime { get; init; } = TimeSpan.FromMinutes(15);
    public TimeSpan RefreshTokenLifetime { get; init; } = TimeSpan.FromDays(7);
    public TimeSpan SessionIdleTimeout { get; init; } = TimeSpan.FromDays(1);

    /// <summary>How many sessions one user may hold at once; a login beyond it revokes the user's oldest session.</summary>
    public int SessionsPerUser { get; init; } = 100;

    /// <summary>How long a front end may reuse a session check or a user's view that no change announcement invalidated.</summary>
    public TimeSpan FrontEndCacheTtl { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Login, refresh and registration attempts one client address may make a minute.</summary>
    public int ClientRateLimitPerMinute { get; init; } = 60;

    /// <summary>REQUIRE_VERIFIED_EMAIL: login answers 403 email_not_verified until the address is verified.</summary>
    public bool RequireVerifiedEmail { get; init; }

    /// <summary>Forgot-password and verification-resend requests one client address may make an hour.</summary>
    public int MailRequestsPerHour { get; init; } = 20;

    public string? AdminEmail { get; init; }
    public string? AdminPassword { get; init; }

    /// <summary>Password hashes waiting or running before a further one is answered 503 (HASH_QUEUE_LIMIT).</summary>
    public int HashQueueLimit { get; init; } = Security.PasswordHasher.DefaultQueuePerCore * Environment.ProcessorCount;

    /// <summary>The proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (TRUSTED_PROXIES); none by default.</summary>
    public IReadOnlyList<System.Net.IPNetwork> TrustedProxies { get; init; } = [];

    /// <summary>The front end's own port for /metrics (never the API ports); unset: no metrics endpoint (embedded mode: the silo endpoint).</summary>
    public int? ManagementPort { get; init; }

    /// <summary>
    /// A failed login answers no sooner than this, so that how long the stored hash took to check (old
    /// parameters on a dormant account, a decoy for an unknown address) cannot be read from the answer.
    /// </summary>
    public TimeSpan FailedLoginMinimumTime { get; init; } = TimeSpan.FromMilliseconds(400);

    public bool ServesAuth => Role is ApiRole.All or ApiRole.Auth;
    public bool ServesUsers => Role is ApiRole.All or ApiRole.User;

    public static ApiSettings From(IConfiguration config, DeploymentSettings deployment)
    {
        var embedded = deployment.RedisConnection is null;
        var secret = config["JWT_SECRET"];
        byte[] key;
        var generated = false;
        if (string.IsNullOrEmpty(secret))
        {
            if (!embedded)
            {
                throw new ConfigurationException("JWT_SECRET must be set (at least 32 bytes) when the cluster is configured (REDIS_HOST is set).");
            }

            key = RandomNumberGenerator.GetBytes(MinimumSecretBytes);
            generated = true;
        }
        else
        {
            key = Encoding.UTF8.GetBytes(secret);
            if (key.Length < MinimumSecretBytes)
            {
                throw new ConfigurationException($"JWT_SECRET must be at least {MinimumSecretBytes} bytes; it has {key.Length}.");
            }
        }

        var settings = new ApiSettings
        {
            Role = ParseRole(config["API_ROLE"]),
            AuthPort = Port(config, "AUTH_PORT", Defaults.AuthPort),
            UserPort = Port(config, "USER_PORT", Defaults.UserPort),
            UrlsOverridden = Optional(config, "urls") is not null,
            JwtSecret = key,
            JwtSecretGenerated = generated,
            JwtIssuer = Optional(config, "JWT_ISSUER") ?? Defaults.JwtIssuer,
            JwtAudience = Optional(config, "JWT_AUDIENCE") ?? Defaults.JwtAudience,
            AccessTokenLifetime = Duration(config, "ACCESS_TOKEN_LIFETIME", Defaults.AccessTokenLifetime),
            RefreshTokenLifetime = Duration(config, "REFRESH_TOKEN_LIFETIME", Defaults.RefreshTokenLifetime),
            SessionIdleTimeout = Duration(config, "SESSION_IDLE_TIMEOUT", Defaults.SessionIdleTimeout),
            SessionsPerUser = Count(config, "SESSIONS_PER_USER", Defaults.SessionsPerUser),
            ClientRateLimitPerMinute = Count(config, "CLIENT_RATE_LIMIT", Defaults.ClientRateLimitPerMinute),
            FrontEndCacheTtl = Duration(config, "FRONTEND_CACHE_TTL", Defaults.FrontEndCacheTtl),
            FailedLoginMinimumTime = Duration(config, "FAILED_LOGIN_MINIMUM_TIME", Defaults.FailedLoginMinimumTime),
            HashQueueLimit = Count(config, "HASH_QUEUE_LIMIT", Defaults.HashQueueLimit),
            TrustedProxies = Hosting.TrustedProxies.Parse(Optional(config, "TRUSTED_PROXIES")),
            ManagementPort = Optional(config, "MANAGEMENT_PORT") is null ? null : Port(config, "MANAGEMENT_PORT", 0),
            RequireVerifiedEmail = Flag(config, "REQUIRE_VERIFIED_EMAIL"),
            MailRequestsPerHour = Count(config, "MAIL_REQUEST_RATE_LIMIT", 20),
            AdminEmail = Optional(config, "ADMIN_EMAIL"),
            AdminPassword = config["ADMIN_PASSWORD"] is { Length: > 0 } password ? password : null,
        };
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

        return settings;
    }

    private static bool Flag(IConfiguration config, string key) => Optional(config, key)?.ToLowerInvariant() switch
    {
        null or "false" or "0" => false,
        "true" or "1" => true,
        var raw => throw new ConfigurationException($"{key} must be true or false, not '{raw}'."),
    };

    private static ApiRole ParseRole(string? raw) => raw?.Trim().ToLowerInvariant() switch
    {
        null or "" or "all" => ApiRole.All,
        "auth" => ApiRole.Auth,
        "user" => ApiRole.User,
        _ => throw new ConfigurationException($"API_ROLE must be auth, user or all, not '{raw}'."),
    };
}
