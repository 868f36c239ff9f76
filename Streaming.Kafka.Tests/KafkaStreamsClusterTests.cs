using Confluent.Kafka;
using Orleans.Runtime;
using Orleans.TestingHost;
using Streaming.Kafka.Tests.Infrastructure;

namespace Streaming.Kafka.Tests;

/// <summary>The whole path through real in-process silos: client publishes, Kafka stores, a grain receives.</summary>
public sealed class KafkaStreamsClusterTests(MockKafkaFixture fixture) : IClassFixture<MockKafkaFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Client_publishes_and_the_subscriber_grain_gets_every_event_in_order_while_Kafka_holds_plain_json()
    {
        var options = fixture.NewTopic("e2e", partitions: 4);
        var cluster = KafkaClusterConfig.Build(options);
        await cluster.DeployAsync();
        await KafkaClusterConfig.WaitUntilPublishing(cluster);
        try
        {
            string[] users = ["user-a", "user-b"];
            var expected = users.ToDictionary(u => u, u => Enumerable.Range(0, 10).Select(i => $$"""{"user":"{{u}}","seq":{{i}}}""").ToList());
            for (var i = 0; i < 10; i++)
                foreach (var user in users)
                    await Publish(cluster, user, expected[user][i]);

            foreach (var user in users)
                Assert.Equal(expected[user], await WaitForEvents(cluster, user, 10));

            var records = KafkaProbe.ReadTopic(options.BootstrapServers, options.Topic, options.Partitions, 20);
            Assert.Equal(20, records.Count);
            foreach (var user in users)
            {
                var mine = records.Where(r => r.Message.Key == user).ToList();
                Assert.Equal(expected[user], mine.Select(r => r.Message.Value));
                Assert.Single(mine.Select(r => r.Partition.Value).Distinct());
            }
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task After_a_silo_restart_delivery_resumes_after_the_committed_offset()
    {
        var options = fixture.NewTopic("restart", partitions: 2);
        const string user = "user-r";
        var partition = new KafkaQueueMapper(KafkaClusterConfig.ProviderName, options.Partitions)
            .GetPartition(StreamId.Create(KafkaClusterConfig.Namespace, user));

        var before = KafkaClusterConfig.Build(options);
        await before.DeployAsync();
        await KafkaClusterConfig.WaitUntilPublishing(before);
        try
        {
            for (var i = 0; i < 5; i++) await Publish(before, user, $"old-{i}");
            Assert.Equal(5, (await WaitForEvents(before, user, 5)).Count);
            // The pulling agent reports delivery on its next poll; wait until the commit reached Kafka.
            await WaitUntil(() => KafkaProbe.CommittedOffset(options.BootstrapServers, options.ConsumerGroupId, options.Topic, partition) == new Offset(5));
        }
        finally
        {
            await before.StopAllSilosAsync();
            await before.DisposeAsync();
        }

        var after = KafkaClusterConfig.Build(options);
        await after.DeployAsync();
        await KafkaClusterConfig.WaitUntilPublishing(after);
        try
        {
            for (var i = 0; i < 3; i++) await Publish(after, user, $"new-{i}");

            // Old events would come first (lower offsets); exactly the new ones means resume at offset 5.
            Assert.Equal(["new-0", "new-1", "new-2"], await WaitForEvents(after, user, 3));
        }
        finally
        {
            await after.StopAllSilosAsync();
            await after.DisposeAsync();
        }
    }

    private static Task Publish(TestCluster cluster, string user, string json) =>
        cluster.Client.GetStreamProvider(KafkaClusterConfig.ProviderName)
            .GetStream<string>(StreamId.Create(KafkaClusterConfig.Namespace, user))
            .OnNextAsync(json);

    private static async Task<List<string>> WaitForEvents(TestCluster cluster, string user, int count)
    {
        var grain = cluster.Client.GetGrain<IEventLogGrain>(user);
        List<string> events = [];
        await WaitUntil(async () => (events = await grain.GetEvents()).Count >= count);
        return events;
    }

    private static Task WaitUntil(Func<bool> condition) => WaitUntil(() => Task.FromResult(condition()));

    private static async Task WaitUntil(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("Condition not met in time.");
            await Task.Delay(100);
        }
    }
}
