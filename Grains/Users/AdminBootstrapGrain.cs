using Grains.Interfaces.Users;

namespace Grains.Users;

/// <summary>Serializes the front ends' bootstrap attempts; the first that finds no admin creates one.</summary>
public sealed class AdminBootstrapGrain(
    [PersistentState("adminBootstrap", StorageNames.Users)] IPersistentState<AdminBootstrapState> bootstrap) : Grain, IAdminBootstrapGrain
{
    public async Task<AdminBootstrapResult> Bootstrap(string email, string passwordHash)
    {
        var normalized = EmailAddress.Normalize(email);
        if (await GrainFactory.GetGrain<IEmailIndexGrain>(normalized).GetOwner() is { } owner)
        {
            // An admin from before this record existed is adopted; anyone else keeps what they have.
            var view = await GrainFactory.GetGrain<IUserGrain>(owner).Get();
            if (view is not { IsAdmin: true })
            {
                return new AdminBootstrapResult(AdminBootstrapStatus.EmailHeldByNonAdmin, owner);
            }

            return bootstrap.State.AdminId is null
                ? await Remember(AdminBootstrapStatus.AlreadyDone, owner)
                : new AdminBootstrapResult(AdminBootstrapStatus.AlreadyDone, owner);
        }

        if (bootstrap.State.AdminId is { } done)
        {
            return new AdminBootstrapResult(AdminBootstrapStatus.AlreadyDone, done);
        }

        var id = Guid.CreateVersion7();
        var created = await GrainFactory.GetGrain<IUserGrain>(id).Create(new CreateUser("Administrator", normalized, passwordHash, [Permission.Admin]));
        return created.Status == UserWriteStatus.Ok
            ? await Remember(AdminBootstrapStatus.Created, id)
            // Registered by someone else in the meantime: the next attempt sees who.
            : throw new InvalidOperationException("The admin address was registered while the admin was being created.");
    }

    private async Task<AdminBootstrapResult> Remember(AdminBootstrapStatus status, Guid adminId)
    {
        bootstrap.State.AdminId = adminId;
        await bootstrap.WriteStateAsync();
        return new AdminBootstrapResult(status, adminId);
    }
}
