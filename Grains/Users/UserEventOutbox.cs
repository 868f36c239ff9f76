using Grains.Interfaces.Users;
using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace Grains.Users;

/// <summary>
/// The user grain's outbox: events are recorded into the user's state and stored in the same write as the
/// change, then published in order after the caller has its answer. A durable reminder stands behind every
/// stored event, so that if the activation or its silo dies first, the events still go out from wherever the
/// reminder fires.
/// Publishing costs no write of its own: what was published is remembered in memory and the published events
/// are dropped from the state by the next write (or by the reminder once the user is quiet). A crash before
/// that publishes them again, which consumers ignore (idempotent by event id and sequence).
/// </summary>
internal sealed class UserEventOutbox(IGrainBase grain, Guid userId, UserStateWriter state, ILogger logger)
{
    private const string ReminderName = "outbox";

    // The durable retry, for when this activation is gone; while it lives, a timer retries sooner.
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan PublishRetry = TimeSpan.FromSeconds(5);

    private bool _reminderRegistered;
    private IGrainTimer? _publisher;
    private bool _publishing;

    // The sequence of the last event the stream accepted; events up to it need no storing any more.
    private long _publishedUpTo;

    /// <summary>Events a previous activation stored but may not have published (its silo may have died, or a write was uncertain).</summary>
    public async Task OnActivate()
    {
        var stored = state.Stored.Outbox;
        _publishedUpTo = stored.Count == 0 ? state.Stored.EventSequence : stored[0].Sequence - 1;
        if (stored.Count == 0)
        {
            return;
        }

        GrainMetrics.EventsPending.Add(stored.Count);
        // Registered again rather than assumed: the activation that stored these events may have failed before its reminder was in place.
        await EnsureReminder();
        PublishSoon(TimeSpan.Zero);
    }

    /// <summary>Adds an event describing the user's state as it is now, with the user's next sequence number.</summary>
    public void Record(string type)
    {
        var s = state.Working;
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

    /// <summary>Called by each write before it copies the state: published events are not stored again.</summary>
    public void DropPublished() => state.Working.Outbox.RemoveAll(e => e.Sequence <= _publishedUpTo);

    /// <summary>Called before the write that stores recorded events: the reminder is in place before they are.</summary>
    public Task EnsureReminder() => _reminderRegistered ? Task.CompletedTask : RegisterReminder();

    /// <summary>
    /// Publishes stored events after the caller has its answer: a write never waits for the event broker, and a
    /// broker outage delays events, not writes. The timer interleaves with calls, so a slow broker does not hold
    /// up the user's next request; one publisher at a time, reading only stored events, keeps the order.
    /// </summary>
    public void PublishSoon(TimeSpan dueIn)
    {
        if (_publishing && dueIn == TimeSpan.Zero)
        {
            // The running publisher reads the stored state again before it stops, so it takes these events too.
            return;
        }

        _publisher?.Dispose();
        _publisher = grain.RegisterGrainTimer(Publish, new GrainTimerCreationOptions(dueIn, Timeout.InfiniteTimeSpan) { KeepAlive = true, Interleave = true });
    }

    /// <summary>Publishes what is pending and stores that it is gone; the reminder is dropped once nothing is, unless the grain still needs it.</summary>
    public async Task OnReminder(string reminderName, bool keepReminder)
    {
        if (reminderName != ReminderName)
        {
            return;
        }

        await Publish();
        if (state.Working.Outbox.Count > 0 && state.Working.Outbox[^1].Sequence <= _publishedUpTo)
        {
            await state.WriteAsync();
        }

        if (state.Stored.Outbox.Count == 0 && !keepReminder && await grain.GetReminder(ReminderName) is { } reminder)
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

    /// <summary>
    /// Publishes stored events not yet published, oldest first, as one batch per round (one partition, one idempotent
    /// producer: Kafka keeps their order); at a failure it leaves them for a retry.
    /// </summary>
    private async Task Publish()
    {
        if (_publishing)
        {
            return;
        }

        _publishing = true;
        try
        {
            var stream = grain.GetStreamProvider(UserEventStream.Provider).GetStream<string>(UserEventStream.Of(userId));
            while (Unpublished() is { Length: > 0 } batch)
            {
                try
                {
                    await stream.OnNextBatchAsync(batch.Select(e => e.ToJson()).ToList());
                }
                catch (Exception e)
                {
                    // A broker known to be down refuses at once, so this retry costs the user's other calls nothing.
                    GrainMetrics.EventPublishFailures.Add(1);
                    logger.LogWarning("Publishing user events of {UserId} failed ({Reason}); {Pending} left for a retry", userId, e.Message, batch.Length);
                    _publishing = false;
                    PublishSoon(PublishRetry);
                    return;
                }

                _publishedUpTo = batch[^1].Sequence;
                GrainMetrics.EventsPublished.Add(batch.Length);
                GrainMetrics.EventsPending.Add(-batch.Length);
            }
        }
        finally
        {
            _publishing = false;
        }
    }

    // Only what storage holds: an event whose write is still in flight may never be stored.
    private UserEvent[] Unpublished() => [.. state.Stored.Outbox.Where(e => e.Sequence > _publishedUpTo)];
}
