using Grains.Interfaces.Users;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using Orleans.Streams;

namespace Grains.Users;

/// <summary>
/// The user grain's outbox: events are recorded into the user's state and stored in the same write as the
/// change, then published in order after the caller has its answer. A durable reminder stands behind every
/// stored event, so that if the activation or its silo dies first, the events still go out from wherever the
/// reminder fires. Lives inside the grain, whose turns serialize every step.
/// </summary>
internal sealed class UserEventOutbox(IGrainBase grain, Guid userId, IPersistentState<UserState> user, ILogger logger)
{
    private const string ReminderName = "outbox";

    // The durable retry, for when this activation is gone; while it lives, a timer retries sooner.
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan PublishRetry = TimeSpan.FromSeconds(5);

    private bool _reminderRegistered;
    private IGrainTimer? _publisher;

    /// <summary>Events a previous activation stored but did not get to publish (its silo may have died, or a write was uncertain).</summary>
    public async Task OnActivate()
    {
        if (user.State.Outbox.Count == 0)
        {
            return;
        }

        GrainMetrics.EventsPending.Add(user.State.Outbox.Count);
        // Registered again rather than assumed: the activation that stored these events may have failed before its reminder was in place.
        await EnsureReminder();
        PublishSoon(TimeSpan.Zero);
    }

    /// <summary>Adds an event describing the user's state as it is now, with the user's next sequence number.</summary>
    public void Record(string type)
    {
        var s = user.State;
        s.EventSequence++;
        GrainMetrics.EventsPending.Add(1);
        s.Outbox.Add(new UserEvent(
            Guid.CreateVersion7(),
            type,
            userId,
            s.Version,
            s.EventSequence,
            s.UpdatedAt,
            // An array, not a collection expression: the state is stored as JSON with type names, and the
            // compiler's own read-only list type cannot be read back.
            new UserEventData(s.Name, s.Email, s.Permissions.ToArray(), s.Account.EmailVerified, s.Account.TotpEnabled)));
    }

    /// <summary>Called before the write that stores recorded events: the reminder is in place before they are.</summary>
    public Task EnsureReminder() => _reminderRegistered ? Task.CompletedTask : RegisterReminder();

    /// <summary>
    /// Publishes after the caller has its answer: a write never waits for the event broker, and a broker
    /// outage delays events, not writes. The timer does not interleave with calls, so order holds.
    /// </summary>
    public void PublishSoon(TimeSpan dueIn)
    {
        _publisher?.Dispose();
        _publisher = grain.RegisterGrainTimer(Publish, new GrainTimerCreationOptions(dueIn, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    /// <summary>Publishes what is pending; the reminder is dropped once nothing is, unless the grain still needs it.</summary>
    public async Task OnReminder(string reminderName, bool keepReminder)
    {
        if (reminderName != ReminderName)
        {
            return;
        }

        await Publish();
        if (user.State.Outbox.Count == 0 && !keepReminder && await grain.GetReminder(ReminderName) is { } reminder)
        {
            await grain.UnregisterReminder(reminder);
            _reminderRegistered = false;
        }
    }

    private async Task RegisterReminder()
    {
        await grain.RegisterOrUpdateReminder(ReminderName, ReminderPeriod, ReminderPeriod);
        _reminderRegistered = true;
    }

    /// <summary>Publishes pending events in order; at the first failure it leaves the rest for a retry.</summary>
    private async Task Publish()
    {
        var outbox = user.State.Outbox;
        if (outbox.Count == 0)
        {
            return;
        }

        var stream = grain.GetStreamProvider(UserEventStream.Provider).GetStream<string>(UserEventStream.Of(userId));
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
            // A broker known to be down refuses at once, so this retry costs the user's other calls nothing.
            GrainMetrics.EventPublishFailures.Add(1);
            logger.LogWarning("Publishing user events of {UserId} failed ({Reason}); {Pending} left for a retry", userId, e.Message, outbox.Count - published);
            PublishSoon(PublishRetry);
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
            catch (Exception e)
            {
                // Another activation wrote first (possible for a moment after a silo is lost), or the write's fate is
                // unknown. The events are out (consumers are idempotent by id and sequence); the stored state wins, so
                // this activation steps aside and the next one reads it afresh.
                logger.LogWarning("Could not store that user {UserId}'s events were published ({Reason}); the grain reloads", userId, e is InconsistentStateException ? "written by another activation" : e.GetType().Name);
                grain.DeactivateOnIdle();
                throw;
            }
        }
    }
}
