using Microsoft.Extensions.DependencyInjection;
using Grains.Interfaces.Sessions;
using Grains.Interfaces.Users;

namespace Grains.Users;

public sealed class UserGrain(
    [PersistentState("user", StorageNames.Users)] IPersistentState<UserState> user,
    [FromKeyedServices(DomainClock.ServiceKey)] TimeProvider time) : Grain, IUserGrain
{
    private readonly PasswordGuessThrottle _throttle = new(time);

    // An address this activation is claiming right now; the email index asks before taking it over.
    private string? _claimingEmail;

    private Guid Id => this.GetPrimaryKey();

    public async Task<UserWriteResult> Create(CreateUser command)
    {
        if (user.State.Version > 0)
        {
            return UserWriteResult.Of(UserWriteStatus.AlreadyExists);
        }

        var email = EmailAddress.Normalize(command.Email);
        if (!await ClaimEmail(email))
        {
            return UserWriteResult.Of(UserWriteStatus.EmailTaken);
        }

        try
        {
            var now = time.GetUtcNow();
            user.State = new UserState
            {
                Name = command.Name,
                Email = email,
                PasswordHash = command.PasswordHash,
                Permissions = [.. command.Permissions.Distinct()],
                CreatedAt = now,
                UpdatedAt = now,
                Version = 1,
            };
            await user.WriteStateAsync();
        }
        catch
        {
            user.State = new UserState();
            await ReleaseEmail(email);
            throw;
        }
        finally
        {
            _claimingEmail = null;
        }

        await EmailIndex(email).Confirm(Id);
        return new UserWriteResult(UserWriteStatus.Ok, View());
    }

    public async Task<UserWriteResult> Update(UpdateUser command)
    {
        var state = user.State;
        if (!state.IsActive)
        {
            return UserWriteResult.Of(UserWriteStatus.NotFound);
        }

        if (command.ExpectedVersion is { } expected && expected != state.Version)
        {
            return UserWriteResult.Of(UserWriteStatus.VersionMismatch);
        }

        var oldEmail = state.Email;
        var newEmail = command.Email is null ? oldEmail : EmailAddress.Normalize(command.Email);
        var emailChanges = newEmail != oldEmail;
        if (emailChanges && !await ClaimEmail(newEmail))
        {
            return UserWriteResult.Of(UserWriteStatus.EmailTaken);
        }

        var before = Snapshot(state);
        try
        {
            state.Name = command.Name ?? state.Name;
            state.Email = newEmail;
            state.PasswordHash = command.PasswordHash ?? state.PasswordHash;
            state.Permissions = command.Permissions is null ? state.Permissions : [.. command.Permissions.Distinct()];
            state.UpdatedAt = time.GetUtcNow();
            state.Version++;
            await user.WriteStateAsync();
        }
        catch
        {
            user.State = before;
            if (emailChanges)
            {
                await ReleaseEmail(newEmail);
            }

            throw;
        }
        finally
        {
            _claimingEmail = null;
        }

        if (emailChanges)
        {
            await EmailIndex(newEmail).Confirm(Id);
            await ReleaseEmail(oldEmail);
        }

        if (command.PasswordHash is not null)
        {
            await GrainFactory.GetGrain<IUserSessionsGrain>(Id).RevokeAll(except: command.KeepSessionId);
        }

        return new UserWriteResult(UserWriteStatus.Ok, View());
    }

    public async Task<bool> Deactivate()
    {
        if (!user.State.IsActive)
        {
            return false;
        }

        var now = time.GetUtcNow();
        user.State.DeactivatedAt = now;
        user.State.UpdatedAt = now;
        user.State.Version++;
        await user.WriteStateAsync();
        await GrainFactory.GetGrain<IUserSessionsGrain>(Id).RevokeAll(except: null);
        await ReleaseEmail(user.State.Email);
        return true;
    }

    public Task<UserView?> Get() => Task.FromResult(user.State.IsActive ? View() : null);

    public Task<LoginTicket> BeginPasswordCheck()
    {
        if (!user.State.IsActive)
        {
            return Task.FromResult(new LoginTicket(LoginTicketStatus.NotFound));
        }

        var ticket = _throttle.TryBeginAttempt() is { } wait
            ? new LoginTicket(LoginTicketStatus.Throttled, RetryAfter: wait)
            : new LoginTicket(LoginTicketStatus.Granted, user.State.PasswordHash);
        return Task.FromResult(ticket);
    }

    public async Task CompletePasswordCheck(bool succeeded, string? rehashed)
    {
        if (!succeeded)
        {
            return;
        }

        _throttle.Succeeded();
        if (rehashed is not null && user.State.IsActive)
        {
            // Not a change the user made: the version (ETag) stays.
            user.State.PasswordHash = rehashed;
            await user.WriteStateAsync();
        }
    }

    public Task<bool> HoldsEmail(string normalizedEmail) =>
        Task.FromResult(_claimingEmail == normalizedEmail || (user.State.IsActive && user.State.Email == normalizedEmail));

    private async Task<bool> ClaimEmail(string email)
    {
        _claimingEmail = email;
        if (await EmailIndex(email).TryReserve(Id))
        {
            return true;
        }

        _claimingEmail = null;
        return false;
    }

    private Task ReleaseEmail(string email) => EmailIndex(email).Release(Id);

    private IEmailIndexGrain EmailIndex(string email) => GrainFactory.GetGrain<IEmailIndexGrain>(email);

    private UserView View()
    {
        var s = user.State;
        return new UserView(Id, s.Name, s.Email, [.. s.Permissions], s.CreatedAt, s.UpdatedAt, s.Version);
    }

    private static UserState Snapshot(UserState s) => new()
    {
        Name = s.Name,
        Email = s.Email,
        PasswordHash = s.PasswordHash,
        Permissions = [.. s.Permissions],
        CreatedAt = s.CreatedAt,
        UpdatedAt = s.UpdatedAt,
        Version = s.Version,
        DeactivatedAt = s.DeactivatedAt,
    };
}
