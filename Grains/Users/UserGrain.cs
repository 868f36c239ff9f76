using Grains.Interfaces.Account;
using Grains.Interfaces.Sessions;
using Grains.Interfaces.Users;
using Grains.Users.Account;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Serialization;
using Orleans.Serialization.Invocation;

namespace Grains.Users;

/// <remarks>
/// Reads of the stored state and plain profile changes interleave (<see cref="MayInterleave"/>): a read never
/// queues behind a write, and the changes that arrive while a write is in flight are stored together by the next
/// one (<see cref="UserStateWriter"/>), each still its own version and its own event.
/// </remarks>
[MayInterleave(nameof(MayInterleave))]
public sealed partial class UserGrain(
    [PersistentState("user", StorageNames.Users)] IPersistentState<UserState> user,
    [FromKeyedServices(DomainClock.ServiceKey)] TimeProvider time,
    DeepCopier<UserState> copier,
    IChangeFeed changes,
    ILogger<UserGrain> logger) : Grain, IUserGrain, IRemindable
{
    // While this activation lives, a failed revocation is retried this soon; the next activation retries it too.
    private static readonly TimeSpan RevocationRetry = TimeSpan.FromSeconds(5);

    private UserStateWriter _writer = null!;
    private UserEventOutbox _outbox = null!;
    private IGrainTimer? _revocationRetry;

    private PasswordGuessThrottle Throttle => field ??= new PasswordGuessThrottle(time, () => State.Guesses);

    /// <summary>The state as calls change it; <see cref="UserStateWriter.Stored"/> is what reads answer from.</summary>
    private UserState State => _writer.Working;

    // An address this activation is claiming right now; the email index asks before taking it over.
    private string? _claimingEmail;

    private Guid Id => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _writer = new UserStateWriter(user, copier, () => changes.UserChanged(Id)) { BeforeWrite = () => _outbox.DropPublished(), Failed = DeactivateOnIdle };
        _writer.Load();
        _outbox = new UserEventOutbox(this, Id, _writer, logger);
        await _outbox.OnActivate();

        // Revocations a stored change decided and a previous activation did not finish.
        if (State.PendingRevocation is not null)
        {
            ScheduleRevocationRetry(TimeSpan.Zero);
        }

        await base.OnActivateAsync(cancellationToken);
    }

    public async Task<UserWriteResult> Create(CreateUser command)
    {
        if (State.Version > 0)
        {
            return UserWriteResult.Of(UserWriteStatus.AlreadyExists);
        }

        var email = EmailAddress.Normalize(command.Email);
        if (!await ClaimEmail(email))
        {
            return UserWriteResult.Of(UserWriteStatus.EmailTaken);
        }

        var now = time.GetUtcNow();
        _writer.Working = new UserState
        {
            Name = command.Name,
            Email = email,
            PasswordHash = command.PasswordHash,
            Permissions = [.. command.Permissions.Distinct()],
            CreatedAt = now,
            UpdatedAt = now,
            Version = 1,
        };
        State.Account.EmailVerified = command.EmailVerified;
        if (command.VerificationTokenHash is { } verification)
        {
            State.Account.Verification = new MailToken(verification, now + AccountLifetimes.Verification, email);
            State.Account.LastVerificationIssuedAt = now;
        }

        _outbox.Record(UserEvent.Created);
        var created = View();
        // On failure the reservation stays unconfirmed: the user may have been stored, and the email index asks
        // the reloaded grain before it lets anyone else take the address.
        await WriteWithOutbox();

        await EmailIndex(email).Confirm(Id);
        _outbox.PublishSoon(TimeSpan.Zero);
        return new UserWriteResult(UserWriteStatus.Ok, created);
    }

    public async Task<UserWriteResult> Update(UpdateUser command)
    {
        var state = State;
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

        // A profile change may have interleaved while the address was claimed: the version guard holds against it too.
        if (emailChanges && command.ExpectedVersion is { } still && still != state.Version)
        {
            _claimingEmail = null;
            await ReleaseEmail(newEmail);
            return UserWriteResult.Of(UserWriteStatus.VersionMismatch);
        }

        var permissions = command.Permissions?.Distinct().ToList();
        var profileChanges = emailChanges || (command.Name is not null && command.Name != state.Name);
        var permissionsChange = permissions is not null && !permissions.Order().SequenceEqual(state.Permissions.Order());
        state.Name = command.Name ?? state.Name;
        state.Email = newEmail;
        state.PasswordHash = command.PasswordHash ?? state.PasswordHash;
        state.Permissions = permissions ?? state.Permissions;
        state.UpdatedAt = time.GetUtcNow();
        state.Version++;
        var endsSessions = (command.PasswordHash is not null || emailChanges) && !command.KeepOtherSessions;
        if (command.PasswordHash is not null || emailChanges)
        {
            state.CredentialVersion++;
        }

        if (endsSessions)
        {
            state.PendingRevocation = PendingRevocation.Merge(state.PendingRevocation, command.KeepSessionId);
        }

        if (emailChanges || command.PasswordHash is not null)
        {
            // A token mailed before the change must not outlive it (docs/contract.md, Account lifecycle).
            state.Account.RevokeMailTokens();
        }

        if (emailChanges)
        {
            state.Account.EmailVerified = false;
            state.Account.LastVerificationIssuedAt = command.VerificationTokenHash is null ? null : state.UpdatedAt;
            state.Account.Verification = command.VerificationTokenHash is { } verification
                ? new MailToken(verification, state.UpdatedAt + AccountLifetimes.Verification, newEmail)
                : null;
        }

        if (profileChanges || (command.PasswordHash is null && !permissionsChange))
        {
            _outbox.Record(UserEvent.Updated);
        }

        if (command.PasswordHash is not null)
        {
            _outbox.Record(UserEvent.PasswordChanged);
        }

        if (permissionsChange)
        {
            _outbox.Record(UserEvent.PermissionsChanged);
        }

        // This change's own version: changes interleaved while it is stored get theirs.
        var changed = View();
        await WriteWithOutbox();

        if (emailChanges)
        {
            await EmailIndex(newEmail).Confirm(Id);
            await ReleaseEmail(oldEmail);
        }

        _outbox.PublishSoon(TimeSpan.Zero);
        await CompleteRevocation();
        return new UserWriteResult(UserWriteStatus.Ok, changed);
    }

    public async Task<bool> Deactivate()
    {
        if (!State.IsActive)
        {
            return false;
        }

        var now = time.GetUtcNow();
        State.DeactivatedAt = now;
        State.UpdatedAt = now;
        State.Version++;
        State.CredentialVersion++;
        State.PendingRevocation = PendingRevocation.Merge(State.PendingRevocation, except: null);
        _outbox.Record(UserEvent.Deleted);
        await WriteWithOutbox();

        await ReleaseEmail(State.Email);
        _outbox.PublishSoon(TimeSpan.Zero);
        await CompleteRevocation();
        return true;
    }

    /// <summary>The stored user: never a change whose write is still in flight.</summary>
    /// <summary>
    /// Which calls may run while another is waiting: reads of the stored state, and changes that are applied
    /// without waiting for anything before their write (no email to claim, no password hash), so an interleaved
    /// change never splits another call's check from its change.
    /// </summary>
    public static bool MayInterleave(IInvokable request) =>
        request.GetInterfaceType() == typeof(IUserGrain) && request.GetMethodName() switch
        {
            nameof(Get) or nameof(ConfirmLogin) => true,
            nameof(Update) => request.GetArgument(0) is UpdateUser { Email: null, PasswordHash: null },
            _ => false,
        };

    public Task<UserView?> Get() => Task.FromResult(_writer.Stored.IsActive ? View(_writer.Stored) : null);

    public async Task<LoginTicket> BeginPasswordCheck()
    {
        if (!State.IsActive)
        {
            return new LoginTicket(LoginTicketStatus.NotFound);
        }

        var (decision, wait, recordChanged) = Throttle.TryBegin();
        if (recordChanged)
        {
            await _writer.WriteAsync();
        }

        return decision switch
        {
            GuessDecision.Granted => new LoginTicket(LoginTicketStatus.Granted, State.PasswordHash, CredentialVersion: State.CredentialVersion),
            GuessDecision.Busy => new LoginTicket(LoginTicketStatus.Busy),
            _ => new LoginTicket(LoginTicketStatus.Throttled, RetryAfter: wait),
        };
    }

    public async Task<UserView?> CompletePasswordCheck(bool succeeded, string? rehashed, string? checkedHash = null)
    {
        var recordChanged = Throttle.Completed(succeeded);

        // A password change may have landed while the old hash was being checked: never write over it.
        var rehash = succeeded && rehashed is not null && State.IsActive
            && string.Equals(checkedHash, State.PasswordHash, StringComparison.Ordinal);
        if (rehash)
        {
            // Not a change the user made: the version (ETag) stays and no event is due.
            State.PasswordHash = rehashed!;
        }

        if (rehash || recordChanged)
        {
            await _writer.WriteAsync();
        }

        return succeeded && _writer.Stored.IsActive ? View(_writer.Stored) : null;
    }

    public Task AbandonPasswordCheck()
    {
        Throttle.Abandoned();
        return Task.CompletedTask;
    }

    public Task<UserView?> ConfirmLogin(long credentialVersion) =>
        Task.FromResult(_writer.Stored.IsActive && _writer.Stored.CredentialVersion == credentialVersion ? View(_writer.Stored) : null);

    public Task<bool> HoldsEmail(string normalizedEmail) =>
        Task.FromResult(_claimingEmail == normalizedEmail || (State.IsActive && State.Email == normalizedEmail));

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // The outbox's reminder activates this grain after a silo loss; it resumes any revocation too, and stays
        // registered until that revocation is stored as done, so a second silo loss cannot drop it.
        if (State.PendingRevocation is not null)
        {
            try
            {
                await CompleteRevocation();
            }
            catch
            {
                // Already logged, and retried by the timer and by this reminder.
            }
        }

        await _outbox.OnReminder(reminderName, keepReminder: State.PendingRevocation is not null);
    }

    /// <summary>
    /// Stores the change with its events, the outbox's reminder in place first, and announces it to the front ends
    /// (the writer's afterWrite) before the caller resumes. When the write fails its fate is unknown (a timeout may
    /// still have stored it), so this activation does not guess: it deactivates, and the next call reads the stored
    /// state afresh, whose outbox re-registers its reminder.
    /// </summary>
    private async Task WriteWithOutbox()
    {
        try
        {
            await _outbox.EnsureReminder();
            await _writer.WriteAsync();
        }
        catch
        {
            _claimingEmail = null;
            DeactivateOnIdle();
            throw;
        }

        _claimingEmail = null;
    }

    /// <summary>
    /// Revokes what the stored change decided, then forgets the decision. On failure a timer retries while this
    /// activation lives; a later activation (the next call, or the outbox's reminder) retries after it.
    /// </summary>
    private async Task CompleteRevocation()
    {
        if (State.PendingRevocation is not { } pending)
        {
            return;
        }

        try
        {
            await GrainFactory.UserSessions(Id).RevokeAll(except: pending.Except);
            State.PendingRevocation = null;
            await _writer.WriteAsync();
        }
        catch (Exception e)
        {
            logger.LogWarning("Revoking the sessions of user {UserId} failed ({Reason}); retrying", Id, e.Message);
            ScheduleRevocationRetry(RevocationRetry);
            throw;
        }
    }

    private void ScheduleRevocationRetry(TimeSpan dueIn)
    {
        _revocationRetry?.Dispose();
        _revocationRetry = this.RegisterGrainTimer(
            async () =>
            {
                try
                {
                    await CompleteRevocation();
                }
                catch
                {
                    // Already logged, and the next retry already scheduled.
                }
            },
            new GrainTimerCreationOptions(dueIn, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

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

    private UserView View() => View(State);

    private UserView View(UserState s)
    {
        return new UserView(Id, s.Name, s.Email, [.. s.Permissions], s.CreatedAt, s.UpdatedAt, s.Version, s.Account.EmailVerified, s.Account.TotpEnabled);
    }
}
