using Microsoft.Extensions.DependencyInjection;
using Grains.Interfaces.Users;

namespace Grains.Users;

/// <summary>
/// Serializes claims on one address. A reservation whose owner crashed before storing the address
/// does not block it forever: once the reservation is older than <see cref="ReservationLease"/>, or
/// whenever it is confirmed, the index asks the owner whether it really holds the address, and hands
/// the address over when it does not.
/// </summary>
public sealed class EmailIndexGrain(
    [PersistentState("emailIndex", StorageNames.Users)] IPersistentState<EmailIndexState> index,
    [FromKeyedServices(DomainClock.ServiceKey)] TimeProvider time) : Grain, IEmailIndexGrain
{
    public static readonly TimeSpan ReservationLease = TimeSpan.FromSeconds(30);

    // In memory, like an account's own count: it only has to outlast a burst of guesses.
    private readonly GuessRecord _unknownGuessRecord = new();

    private PasswordGuessThrottle UnknownGuesses => field ??= new PasswordGuessThrottle(time, () => _unknownGuessRecord);

    public async Task<bool> TryReserve(Guid userId)
    {
        if (index.State.OwnerId is { } owner && owner != userId && await OwnerStillHolds(owner))
        {
            return false;
        }

        if (index.State.OwnerId != userId)
        {
            index.State = new EmailIndexState { OwnerId = userId, ReservedAt = time.GetUtcNow() };
            await index.WriteStateAsync();
        }

        return true;
    }

    public async Task Confirm(Guid userId)
    {
        if (index.State.OwnerId == userId && !index.State.Confirmed)
        {
            index.State.Confirmed = true;
            await index.WriteStateAsync();
        }
    }

    public async Task Release(Guid userId)
    {
        if (index.State.OwnerId == userId)
        {
            await index.ClearStateAsync();
            index.State = new EmailIndexState();
        }
    }

    public async Task<Guid?> GetOwner()
    {
        if (index.State.OwnerId is not { } owner)
        {
            return null;
        }

        // An unconfirmed owner may have stored the address and died before confirming it.
        return index.State.Confirmed || await OwnerHolds(owner) ? owner : null;
    }

    public Task<TimeSpan?> BeginUnknownGuess() => Task.FromResult(UnknownGuesses.CountCertainFailure());

    private async Task<bool> OwnerStillHolds(Guid owner)
    {
        var fresh = time.GetUtcNow() - index.State.ReservedAt < ReservationLease;
        if (!index.State.Confirmed && fresh)
        {
            return true;
        }

        return await OwnerHolds(owner);
    }

    private Task<bool> OwnerHolds(Guid owner) =>
        GrainFactory.GetGrain<IUserGrain>(owner).HoldsEmail(this.GetPrimaryKeyString());
}
