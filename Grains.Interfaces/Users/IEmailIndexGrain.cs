namespace Grains.Interfaces.Users;

/// <summary>
/// The owner of one email address, keyed by the normalized address. A user grain reserves the
/// address before it stores it, so two registrations with the same email cannot both win.
/// </summary>
public interface IEmailIndexGrain : IGrainWithStringKey
{
    /// <summary>True when the address is now reserved for (or already owned by) <paramref name="userId"/>.</summary>
    Task<bool> TryReserve(Guid userId);

    /// <summary>Marks the reservation as owned: the user's state now holds the address.</summary>
    Task Confirm(Guid userId);

    /// <summary>Frees the address if <paramref name="userId"/> holds it.</summary>
    Task Release(Guid userId);

    /// <summary>The user that owns the address, if any.</summary>
    Task<Guid?> GetOwner();
}
