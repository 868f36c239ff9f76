using Api.Security;
using Grains.Interfaces.Users;

namespace Api.Hosting;

/// <summary>
/// Creates the first admin from ADMIN_EMAIL / ADMIN_PASSWORD once the cluster answers, only while no admin was
/// ever bootstrapped. Several front ends may race; the bootstrap grain lets exactly one create it.
/// </summary>
public sealed class AdminBootstrap(IGrainFactory grains, PasswordHasher hasher, ApiSettings settings, ILogger<AdminBootstrap> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var passwordHash = await hasher.HashAsync(settings.AdminPassword!);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var result = await grains.GetGrain<IAdminBootstrapGrain>(0).Bootstrap(settings.AdminEmail!, passwordHash);
                switch (result.Status)
                {
                    case AdminBootstrapStatus.Created:
                        logger.LogInformation("Admin bootstrap: created admin {UserId} from ADMIN_EMAIL", result.AdminId);
                        break;
                    case AdminBootstrapStatus.AlreadyDone:
                        logger.LogInformation("Admin bootstrap: admin {UserId} exists; nothing to do", result.AdminId);
                        break;
                    default:
                        // Someone registered the address first: creating nothing is right, staying quiet is not.
                        logger.LogError(
                            "Admin bootstrap refused: ADMIN_EMAIL belongs to user {UserId}, who is not an admin. No admin was created; choose another ADMIN_EMAIL or check that account",
                            result.AdminId);
                        break;
                }

                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Admin bootstrap waits for the cluster: {Reason}", e.Message);
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            }
        }
    }
}
