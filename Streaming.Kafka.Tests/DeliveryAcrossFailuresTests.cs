using Orleans.Runtime;
using Orleans.TestingHost;
using Streaming.Kafka.Testing;
using Streaming.Kafka.Tests.Infrastructure;

namespace Streaming.Kafka.Tests;

/// <summary>At-least-once through the failures a deployment meets: a subscriber down for a while, Kafka down at start.</summary>
public sealed class DeliveryAcrossFailuresTests(MockKafkaFixture fixture) : IClassFixture<MockKafkaFixture>
{
    // The test sets a 2 s limit as an operator could; Orleans' pulling agent would give up after it and commit
    // over the event. The provider delivers without a limit instead, so nothing is lost.
    [Fact]
    public async Task A_subscriber_failing_longer_than_MaxEventDeliveryTime_gets_every_event_once_it_recovers()
    {
        var limit = TimeSpan.FromSeconds(2);
        var options = fixture.NewTopic("flaky", partitions: 1);
        var cluster = KafkaClusterConfig.Build(options, maxEventDeliveryTime: limit);
        await cluster.DeployAsync();
        try
        {
            await KafkaClusterConfig.WaitUntilPublishing(cluster);
            var stream = cluster.Client.GetStreamProvider(KafkaClusterConfig.ProviderName)
                .GetStream<string>(StreamId.Create(FlakySubscriberGrain.Namespace, "user-f"));
            SubscriberOutage.Start();
            foreach (var e in new[] { "e0", "e1", "e2" }) await stream.OnNextAsync(e);

            await Until(() => SubscriberOutage.FirstFailure is { } first && DateTime.UtcNow - first > 3 * limit);
            SubscriberOutage.Down = false;
            await stream.OnNextAsync("e3");

            var grain = cluster.Client.GetGrain<IFlakySubscriberGrain>("user-f");
            await Until(async () => (await grain.GetEvents()).Contains("e3"), seconds: 90);
            Assert.Equal(["e0", "e1", "e2", "e3"], await grain.GetEvents());
        }
        finally
        {
            SubscriberOutage.Down = false;
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_silo_starts_while_Kafka_is_down_and_delivers_once_Kafka_is_back()
    {
        await using var kafka = MockKafkaCluster.Start();
        var topic = $"late-{Guid.NewGuid():N}";
        kafka.CreateStreamTopics(topic, partitions: 2);
        var options = new KafkaStreamOptions
        {
            BootstrapServers = kafka.BootstrapServers,
            Topic = topic,
            Partitions = 2,
            ConsumerGroupId = $"{topic}-orleans",
            AdminTimeout = TimeSpan.FromSeconds(2),
        };
        kafka.SetBrokerDown();
        var cluster = KafkaClusterConfig.Build(options);
        await cluster.DeployAsync();   // used to fail: "Failed while waiting for controller: Local: Timed out"
        try
        {
            var stream = cluster.Client.GetStreamProvider(KafkaClusterConfig.ProviderName)
                .GetStream<string>(StreamId.Create(KafkaClusterConfig.Namespace, "user-l"));
            await Assert.ThrowsAsync<KafkaUnavailableException>(() => stream.OnNextAsync("refused while Kafka is away"));

            kafka.SetBrokerUp();
            await KafkaClusterConfig.WaitUntilPublishing(cluster);
            foreach (var e in new[] { "e0", "e1" }) await stream.OnNextAsync(e);

            var grain = cluster.Client.GetGrain<IEventLogGrain>("user-l");
            await Until(async () => (await grain.GetEvents()).Count >= 2, seconds: 60);
            Assert.Equal(["e0", "e1"], await grain.GetEvents());
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    private static Task Until(Func<bool> condition) => Until(() => Task.FromResult(condition()));

    private static async Task Until(Func<Task<bool>> condition, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("Condition not met in time.");
            await Task.Delay(100);
        }
    }
}
