namespace Grains.Interfaces.Users;

public enum AdminBootstrapStatus
{
    /// <summary>The first admin was created now.</summary>
    Created,
    /// <summary>An admin was bootstrapped before (whatever its email is now): nothing to do.</summary>
    AlreadyDone,
    /// <summary>The address belongs to a user who is not an admin: nothing was created or changed (even when an admin exists).</summary>
    EmailHeldByNonAdmin,
}

[GenerateSerializer, Immutable]
public sealed record AdminBootstrapResult([property: Id(0)] AdminBootstrapStatus Status, [property: Id(1)] Guid? AdminId = null);

/// <summary>
/// The first admin of the service, created at most once (key 0): remembered once it exists, so a restart
/// with ADMIN_EMAIL set never creates another after the first admin changed their address.
/// </summary>
public interface IAdminBootstrapGrain : IGrainWithIntegerKey
{
    Task<AdminBootstrapResult> Bootstrap(string email, string passwordHash);
}
