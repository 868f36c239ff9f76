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

    /// <summary>
    /// Counts a password guess against the address while nobody owns it, with the brake an account has
    /// (so a 429 does not tell that an address is registered); returns the wait instead when one is due.
    /// </summary>
    Task<TimeSpan?> BeginUnknownGuess();
}
