using Orleans.Runtime;
using Orleans.Streams;

namespace Streaming.Kafka.Tests.Infrastructure;

public interface IFlakySubscriberGrain : IGrainWithStringKey
{
    Task<List<string>> GetEvents();
}

/// <summary>
/// A subscriber whose dependency is down while <see cref="SubscriberOutage.Down"/> is set (say, the read
/// model's database): every delivery fails until it comes back. Remembers what it did receive, in order.
/// </summary>
[ImplicitStreamSubscription(Namespace)]
public sealed class FlakySubscriberGrain : Grain, IFlakySubscriberGrain
{
    public const string Namespace = "flaky";

    private readonly List<string> _events = [];

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var stream = this.GetStreamProvider(KafkaClusterConfig.ProviderName)
            .GetStream<string>(StreamId.Create(Namespace, this.GetPrimaryKeyString()));
        await stream.SubscribeAsync((e, _) =>
        {
            SubscriberOutage.ThrowIfDown();
            _events.Add(e);
            return Task.CompletedTask;
        });
    }

    public Task<List<string>> GetEvents() => Task.FromResult(_events.ToList());
}

/// <summary>Switch for <see cref="FlakySubscriberGrain"/>; the test cluster's silos run in the test process.</summary>
public static class SubscriberOutage
{
    private static long _firstFailureTicks;

    public static volatile bool Down;

    /// <summary>When the first delivery failed during the current outage.</summary>
    public static DateTime? FirstFailure => Interlocked.Read(ref _firstFailureTicks) is var t and > 0 ? new DateTime(t, DateTimeKind.Utc) : null;

    public static void Start()
    {
        Interlocked.Exchange(ref _firstFailureTicks, 0);
        Down = true;
    }

    public static void ThrowIfDown()
    {
        if (!Down) return;
        Interlocked.CompareExchange(ref _firstFailureTicks, DateTime.UtcNow.Ticks, 0);
        throw new InvalidOperationException("the subscriber's dependency is down");
    }
}
