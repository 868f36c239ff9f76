using Grains.Interfaces.Sessions;
using Grains.Interfaces.Users;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using Orleans.Streams;

namespace Grains.Users;

public sealed class UserGrain(
    [PersistentState("user", StorageNames.Users)] IPersistentState<UserState> user,
    [FromKeyedServices(DomainClock.ServiceKey)] TimeProvider time,
    IChangeFeed changes,
    ILogger<UserGrain> logger) : Grain, IUserGrain, IRemindable
{
    private const string OutboxReminder = "outbox";

    // The durable retry, for when this activation is gone; while it lives, a timer retries sooner.
    private static readonly TimeSpan OutboxRetry = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan PublishRetry = TimeSpan.FromSeconds(5);

    private PasswordGuessThrottle Throttle => field ??= new PasswordGuessThrottle(time, () => user.State.Guesses);

    // An address this activation is claiming right now; the email index asks before taking it over.
    private string? _claimingEmail;
    private bool _outboxReminderRegistered;
    private IGrainTimer? _publisher;
    private IGrainTimer? _revocationRetry;

    private Guid Id => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Events a previous activation stored but did not get to publish (its silo may have died).
        if (user.State.Outbox.Count > 0)
        {
            GrainMetrics.EventsPending.Add(user.State.Outbox.Count);
            _outboxReminderRegistered = true;
            SchedulePublish(TimeSpan.Zero);
        }

        // Revocations a stored change decided and a previous activation did not finish.
        if (user.State.PendingRevocation is not null)
        {
            ScheduleRevocationRetry(TimeSpan.Zero);
        }

        await base.OnActivateAsync(cancellationToken);
    }

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
            Record(UserEvent.Created);
            await WriteWithOutbox();
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
        SchedulePublish(TimeSpan.Zero);
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

            if (profileChanges || (command.PasswordHash is null && !permissionsChange))
            {
                Record(UserEvent.Updated);
            }

            if (command.PasswordHash is not null)
            {
                Record(UserEvent.PasswordChanged);
            }

            if (permissionsChange)
            {
                Record(UserEvent.PermissionsChanged);
            }

            await WriteWithOutbox();
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

        SchedulePublish(TimeSpan.Zero);
        await CompleteRevocation();
        return new UserWriteResult(UserWriteStatus.Ok, View());
    }

    public async Task<bool> Deactivate()
    {
        if (!user.State.IsActive)
        {
            return false;
        }

        var before = Snapshot(user.State);
        try
        {
            var now = time.GetUtcNow();
            user.State.DeactivatedAt = now;
            user.State.UpdatedAt = now;
            user.State.Version++;
            user.State.CredentialVersion++;
            user.State.PendingRevocation = PendingRevocation.Merge(user.State.PendingRevocation, except: null);
            Record(UserEvent.Deleted);
            await WriteWithOutbox();
        }
        catch
        {
            user.State = before;
            throw;
        }

        await ReleaseEmail(user.State.Email);
        SchedulePublish(TimeSpan.Zero);
        await CompleteRevocation();
        return true;
    }

    public Task<UserView?> Get() => Task.FromResult(user.State.IsActive ? View() : null);

    public async Task<LoginTicket> BeginPasswordCheck()
    {
        if (!user.State.IsActive)
        {
            return new LoginTicket(LoginTicketStatus.NotFound);
        }

        var (decision, wait, recordChanged) = Throttle.TryBegin();
        if (recordChanged)
        {
            await user.WriteStateAsync();
        }

        return decision switch
        {
            GuessDecision.Granted => new LoginTicket(LoginTicketStatus.Granted, user.State.PasswordHash, CredentialVersion: user.State.CredentialVersion),
            GuessDecision.Busy => new LoginTicket(LoginTicketStatus.Busy),
            _ => new LoginTicket(LoginTicketStatus.Throttled, RetryAfter: wait),
        };
    }

    public async Task CompletePasswordCheck(bool succeeded, string? rehashed, string? checkedHash = null)
    {
        var recordChanged = Throttle.Completed(succeeded);

        // A password change may have landed while the old hash was being checked: never write over it.
        var rehash = succeeded && rehashed is not null && user.State.IsActive
            && string.Equals(checkedHash, user.State.PasswordHash, StringComparison.Ordinal);
        if (rehash)
        {
            // Not a change the user made: the version (ETag) stays and no event is due.
            user.State.PasswordHash = rehashed!;
        }

        if (rehash || recordChanged)
        {
            await user.WriteStateAsync();
        }
    }

    public Task<UserView?> ConfirmLogin(long credentialVersion) =>
        Task.FromResult(user.State.IsActive && user.State.CredentialVersion == credentialVersion ? View() : null);

    public Task<bool> HoldsEmail(string normalizedEmail) =>
        Task.FromResult(_claimingEmail == normalizedEmail || (user.State.IsActive && user.State.Email == normalizedEmail));

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != OutboxReminder)
        {
            return;
        }

        await PublishOutbox();
        if (user.State.PendingRevocation is not null)
        {
            await CompleteRevocation();
        }

        if (user.State.Outbox.Count == 0 && user.State.PendingRevocation is null && await this.GetReminder(OutboxReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
            _outboxReminderRegistered = false;
        }
    }

    private void Record(string type)
    {
        GrainMetrics.EventsPending.Add(1);
        var s = user.State;
        user.State.Outbox.Add(new UserEvent(
            Guid.CreateVersion7(),
            type,
            Id,
            s.Version,
            s.UpdatedAt,
            // An array, not a collection expression: the state is stored as JSON with type names, and the
            // compiler's own read-only list type cannot be read back.
            new UserEventData(s.Name, s.Email, s.Permissions.ToArray())));
    }

    /// <summary>
    /// Stores the change with its events. The durable reminder is in place first, so that if this
    /// silo dies before publishing, the events still go out (from whichever silo the reminder fires on).
    /// </summary>
    private async Task WriteWithOutbox()
    {
        if (!_outboxReminderRegistered)
        {
            await this.RegisterOrUpdateReminder(OutboxReminder, OutboxRetry, OutboxRetry);
            _outboxReminderRegistered = true;
        }

        await user.WriteStateAsync();
        await changes.UserChanged(Id);
    }

    /// <summary>
    /// Publishes after the caller has its answer: a write never waits for the event broker, and a broker
    /// outage delays events, not writes. The timer does not interleave with calls, so order holds.
    /// </summary>
    private void SchedulePublish(TimeSpan dueIn)
    {
        _publisher?.Dispose();
        _publisher = this.RegisterGrainTimer(PublishOutbox, new GrainTimerCreationOptions(dueIn, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    /// <summary>Publishes pending events in order; at the first failure it leaves the rest for a retry.</summary>
    private async Task PublishOutbox()
    {
        var outbox = user.State.Outbox;
        if (outbox.Count == 0)
        {
            return;
        }

        var stream = this.GetStreamProvider(UserEventStream.Provider)
            .GetStream<string>(StreamId.Create(UserEventStream.Namespace, Id));
        var published = 0;
        try
        {
            foreach (var pending in outbox)
            {
                await stream.OnNextAsync(pending.ToJson());
                published++;
            }
        }
        catch (Exception e)
        {
            GrainMetrics.EventPublishFailures.Add(1);
            logger.LogWarning("Publishing user events of {UserId} failed ({Reason}); {Pending} left for a retry", Id, e.Message, outbox.Count - published);
            SchedulePublish(PublishRetry);
        }

        if (published > 0)
        {
            GrainMetrics.EventsPublished.Add(published);
            GrainMetrics.EventsPending.Add(-published);
            outbox.RemoveRange(0, published);
            try
            {
                await user.WriteStateAsync();
            }
            catch (InconsistentStateException)
            {
                // Another activation of this user wrote first (possible for a moment after a silo is lost). The
                // events are out (consumers are idempotent by id and version); the stored state wins, so this
                // activation steps aside and the next one reads it afresh.
                logger.LogWarning("User {UserId} was written by another activation; this one deactivates", Id);
                DeactivateOnIdle();
                throw;
            }
        }
    }

    /// <summary>
    /// Revokes what the stored change decided, then forgets the decision. On failure a timer retries while
    /// this activation lives, and the outbox reminder (registered before the change was written) after it.
    /// </summary>
    private async Task CompleteRevocation()
    {
        if (user.State.PendingRevocation is not { } pending)
        {
            return;
        }

        try
        {
            await GrainFactory.GetGrain<IUserSessionsGrain>(Id).RevokeAll(except: pending.Except);
            user.State.PendingRevocation = null;
            await user.WriteStateAsync();
        }
        catch (Exception e)
        {
            logger.LogWarning("Revoking the sessions of user {UserId} failed ({Reason}); retrying", Id, e.Message);
            ScheduleRevocationRetry(PublishRetry);
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
        Outbox = [.. s.Outbox],
        CredentialVersion = s.CredentialVersion,
        PendingRevocation = s.PendingRevocation,
        Guesses = s.Guesses,
    };
}
