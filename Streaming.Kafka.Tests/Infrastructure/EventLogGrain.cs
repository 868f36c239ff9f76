using Orleans.Runtime;
using Orleans.Streams;

namespace Streaming.Kafka.Tests.Infrastructure;

public interface IEventLogGrain : IGrainWithStringKey
{
    Task<List<string>> GetEvents();
}

/// <summary>Implicitly subscribed to the user's stream; remembers every event in arrival order.</summary>
[ImplicitStreamSubscription(KafkaClusterConfig.Namespace)]
public sealed class EventLogGrain : Grain, IEventLogGrain
{
    private readonly List<string> _events = [];

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var stream = this.GetStreamProvider(KafkaClusterConfig.ProviderName)
            .GetStream<string>(StreamId.Create(KafkaClusterConfig.Namespace, this.GetPrimaryKeyString()));
        await stream.SubscribeAsync((e, _) =>
        {
            _events.Add(e);
            return Task.CompletedTask;
        });
    }

    public Task<List<string>> GetEvents() => Task.FromResult(_events.ToList());
}
