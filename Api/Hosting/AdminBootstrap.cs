using Api.Security;
using Grains.Interfaces.Users;

namespace Api.Hosting;

/// <summary>
/// Creates the first admin from ADMIN_EMAIL / ADMIN_PASSWORD once the cluster answers, unless that
/// email is already registered. Several front ends may race; the email index lets exactly one win.
/// </summary>
public sealed class AdminBootstrap(IGrainFactory grains, PasswordHasher hasher, ApiSettings settings, ILogger<AdminBootstrap> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var email = settings.AdminEmail!;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await grains.GetGrain<IEmailIndexGrain>(EmailAddress.Normalize(email)).GetOwner() is { } existing)
                {
                    logger.LogInformation("Admin account {UserId} already exists", existing);
                    return;
                }

                var result = await grains.GetGrain<IUserGrain>(Guid.CreateVersion7()).Create(
                    new CreateUser("Administrator", email, await hasher.HashAsync(settings.AdminPassword!), [Permission.Admin], EmailVerified: true));
                logger.LogInformation("Admin bootstrap: {Status}", result.Status == UserWriteStatus.Ok ? $"created {result.User!.Id}" : "email already registered");
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
