using Api.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Api.Tokens;

public static class TokenKeysRegistration
{
    /// <summary>The shared secret for HS256; the cluster's key ring for RS256/ES256.</summary>
    public static IServiceCollection AddTokenKeys(this IServiceCollection services, ApiSettings settings, TokenSettings tokens)
    {
        services.AddSingleton(tokens);
        services.TryAddKeyedSingleton(TokenClock.ServiceKey, TimeProvider.System);
        if (!tokens.Algorithm.IsAsymmetric())
        {
            return services.AddSingleton<ITokenKeys>(new SharedSecretKeys(settings.JwtSecret, tokens.PreviousSecret));
        }

        services.AddSingleton(new KeyRingSchedule(tokens.KeyRotation, tokens.KeyPublishAhead, settings.AccessTokenLifetime));
        return services.AddSingleton<ITokenKeys>(sp => new ClusterSigningKeys(
            sp.GetRequiredService<IGrainFactory>(),
            tokens,
            sp.GetRequiredService<KeyRingSchedule>(),
            sp.GetRequiredKeyedService<TimeProvider>(TokenClock.ServiceKey),
            sp.GetRequiredService<ILogger<ClusterSigningKeys>>(),
            signs: settings.ServesAuth));
    }
}
