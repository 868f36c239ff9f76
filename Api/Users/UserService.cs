using Api.Account;
using Api.Auth;
using Api.Mail;
using Api.Security;
using Grains.Interfaces.Users;
using Hosting.Failover;

namespace Api.Users;

/// <summary>
/// Registration, reading and changing users, with the rules on who may do what. Permissions are
/// always read live from the caller's user grain, so a change applies on the caller's next request.
/// </summary>
public sealed class UserService(IGrainFactory grains, PasswordHasher hasher, AuthService auth, AccountMails mails, ReadRetry reads, ILogger<UserService> logger)
{
    public async Task<UserOutcome> Create(CreateUserRequest request, Caller? caller, CancellationToken cancellationToken = default)
    {
        var permissions = request.Permissions?.OfType<string>().ToList() ?? [];
        if (request.Permissions is not null)
        {
            var admin = caller is { } c ? await grains.GetGrain<IUserGrain>(c.UserId).Get() : null;
            if (admin is not { IsAdmin: true })
            {
                return UserOutcome.Forbidden("Only an admin may set permissions.");
            }
        }

        var id = Guid.CreateVersion7();
        var verification = AccountTokens.Create(id);
        var result = await grains.GetGrain<IUserGrain>(id).Create(new CreateUser(
            request.Name!.Trim(),
            request.Email!.Trim(),
            await hasher.HashAsync(request.Password!, cancellationToken),
            permissions,
            AccountTokens.Hash(verification)));
        if (result is { Status: UserWriteStatus.Ok, User: { } created })
        {
            logger.LogInformation("User {UserId} registered", id);
            mails.Verification(created.Email, created.Name, verification);
        }

        return Translate(result);
    }

    public async Task<UserOutcome> Get(Guid id, Caller caller)
    {
        var (denied, _) = await Authorize(caller, id);
        if (denied is not null)
        {
            return denied;
        }

        var user = await Read(id);
        return user is null ? new UserOutcome(UserOutcomeStatus.NotFound) : new UserOutcome(UserOutcomeStatus.Ok, user);
    }

    public async Task<UserOutcome> Update(Guid id, UpdateUserRequest request, long? expectedVersion, Caller caller, CancellationToken cancellationToken = default)
    {
        var self = caller.UserId == id;
        // A caller changing only their own profile: no credential, no permission, no one else's user.
        var routine = self && request.Password is null && request.Email is null && request.Permissions is null;

        // A routine change needs nothing from the caller's stored user before the change: the write itself answers
        // NotFound once the user is gone. Skipping the read spares every such PUT a grain call (bench S3); a
        // credential change is still read first, so its step-up meets a live user as before.
        UserView? callerView = null;
        if (!routine)
        {
            (var denied, callerView) = await Authorize(caller, id);
            if (denied is not null)
            {
                return denied;
            }
        }

        if (request.Permissions is not null && !callerView!.IsAdmin)
        {
            return UserOutcome.Forbidden("Only an admin may change permissions.");
        }

        // Someone holding a stolen token must not be able to take the login over or lock the owner out.
        var emailChanges = request.Email is not null && EmailAddress.Normalize(request.Email) != callerView!.Email;
        if (self && (request.Password is not null || emailChanges) && await StepUp(id, request.CurrentPassword) is { } refused)
        {
            return refused;
        }

        // A new address gets a verification mail, and the old one a notice (docs/contract.md, Account lifecycle).
        var before = request.Email is null ? null : await grains.GetGrain<IUserGrain>(id).Get();
        var newAddress = before is not null && EmailAddress.Normalize(request.Email!) != before.Email;
        var verification = newAddress ? AccountTokens.Create(id) : null;
        var result = await grains.GetGrain<IUserGrain>(id).Update(new UpdateUser(
            Name: request.Name?.Trim(),
            Email: request.Email?.Trim(),
            PasswordHash: request.Password is null ? null : await hasher.HashAsync(request.Password, cancellationToken),
            Permissions: request.Permissions?.OfType<string>().ToList(),
            ExpectedVersion: expectedVersion,
            KeepSessionId: self ? caller.SessionId : null,
            KeepOtherSessions: self && request.EndOtherSessions == false,
            VerificationTokenHash: verification is null ? null : AccountTokens.Hash(verification)));
        if (result is { Status: UserWriteStatus.Ok, User: { } updated } && verification is not null && updated.Email != before!.Email)
        {
            mails.Verification(updated.Email, updated.Name, verification);
            mails.EmailChanged(before.Email, updated.Name, updated.Email);
        }

        if (result.Status == UserWriteStatus.Ok)
        {
            // Every change is on the user-events topic; the log keeps what an operator looks for (credentials,
            // permissions, one user changed by another). A line per routine rename cost the front end about a
            // tenth of its CPU under load (bench S3).
            logger.Log(
                routine ? LogLevel.Debug : LogLevel.Information,
                "User {UserId} updated by {CallerId}{PasswordNote}",
                id,
                caller.UserId,
                request.Password is null && request.Email is null ? "" : "; credentials changed, other sessions revoked");
        }

        // Without the read above, a caller whose own user is gone hears what the read would have told them.
        return routine && result.Status == UserWriteStatus.NotFound
            ? new UserOutcome(UserOutcomeStatus.Unauthenticated)
            : Translate(result);
    }

    /// <summary>The admin list, from the read model; null when the caller is not a live admin.</summary>
    public async Task<(UserOutcomeStatus Status, UserPage? Page)> List(UserQuery query, Caller caller)
    {
        var callerView = await grains.GetGrain<IUserGrain>(caller.UserId).Get();
        if (callerView is null)
        {
            return (UserOutcomeStatus.Unauthenticated, null);
        }

        if (!callerView.IsAdmin)
        {
            return (UserOutcomeStatus.Forbidden, null);
        }

        return (UserOutcomeStatus.Ok, await grains.GetGrain<IUserDirectoryGrain>(0).Search(query));
    }

    public async Task<UserOutcome> Delete(Guid id, string? currentPassword, Caller caller)
    {
        var (denied, _) = await Authorize(caller, id);
        if (denied is not null)
        {
            return denied;
        }

        if (caller.UserId == id && await StepUp(id, currentPassword) is { } refused)
        {
            return refused;
        }

        if (!await grains.GetGrain<IUserGrain>(id).Deactivate())
        {
            return new UserOutcome(UserOutcomeStatus.NotFound);
        }

        logger.LogInformation("User {UserId} deactivated by {CallerId}; every session revoked", id, caller.UserId);
        return new UserOutcome(UserOutcomeStatus.Ok);
    }

    /// <summary>The caller proves again that they know the password: null when they did, else the refusal.</summary>
    private async Task<UserOutcome?> StepUp(Guid id, string? currentPassword)
    {
        if (string.IsNullOrEmpty(currentPassword))
        {
            return new UserOutcome(UserOutcomeStatus.CurrentPasswordRequired);
        }

        var check = await auth.CheckPassword(id, currentPassword);
        return check.Status switch
        {
            LoginStatus.Throttled => new UserOutcome(UserOutcomeStatus.Throttled, RetryAfter: check.RetryAfter),
            LoginStatus.InvalidCredentials => new UserOutcome(UserOutcomeStatus.PasswordMismatch),
            _ => null,
        };
    }

    /// <summary>Self or admin; the caller's permissions are read now, not from the token.</summary>
    private async Task<(UserOutcome? Denied, UserView? Caller)> Authorize(Caller caller, Guid target)
    {
        var callerView = await Read(caller.UserId);
        if (callerView is null)
        {
            return (new UserOutcome(UserOutcomeStatus.Unauthenticated), null);
        }

        if (caller.UserId != target && !callerView.IsAdmin)
        {
            return (UserOutcome.Forbidden("Only the user themself or an admin may do this."), callerView);
        }

        return (null, callerView);
    }

    // A read caught by a silo's loss is tried again once the grain can live on a survivor: a read changes nothing.
    private Task<UserView?> Read(Guid id) => reads.Run(() => grains.GetGrain<IUserGrain>(id).Get());

    private static UserOutcome Translate(UserWriteResult result) => result.Status switch
    {
        UserWriteStatus.Ok => new UserOutcome(UserOutcomeStatus.Ok, result.User),
        UserWriteStatus.NotFound => new UserOutcome(UserOutcomeStatus.NotFound),
        UserWriteStatus.EmailTaken => new UserOutcome(UserOutcomeStatus.EmailTaken),
        UserWriteStatus.VersionMismatch => new UserOutcome(UserOutcomeStatus.VersionMismatch),
        // A freshly generated id already taken means the id generator is broken, not the request.
        _ => throw new InvalidOperationException($"Unexpected user write status {result.Status}."),
    };
}
