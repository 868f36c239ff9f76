using Orleans.Runtime;
using Streaming.Kafka.Tests.Infrastructure;

namespace Streaming.Kafka.Tests;

/// <summary>Options are checked before any Kafka connection, and the topic before anything is produced.</summary>
public sealed class KafkaOptionsTests(MockKafkaFixture fixture) : IClassFixture<MockKafkaFixture>
{
    [Theory]
    [InlineData("BootstrapServers", "")]
    [InlineData("Topic", " ")]
    [InlineData("Topic", "no spaces allowed")]
    [InlineData("Partitions", "0")]
    [InlineData("ConsumerGroupId", "")]
    [InlineData("ReplicationFactor", "0")]
    public void Invalid_options_are_rejected_at_start(string property, string value)
    {
        var options = new KafkaStreamOptions { BootstrapServers = "localhost:9092", Topic = "t", ConsumerGroupId = "g" };
        var setter = typeof(KafkaStreamOptions).GetProperty(property)!;
        setter.SetValue(options, setter.PropertyType == typeof(string) ? value : Convert.ChangeType(value, setter.PropertyType));

        var error = Assert.Throws<OrleansConfigurationException>(() => AdapterHarness.CreateFactory(options));

        Assert.Contains(property, error.Message);
    }

    [Fact]
    public void MinInSyncReplicas_above_the_replication_factor_is_rejected_at_start()
    {
        var options = new KafkaStreamOptions { BootstrapServers = "localhost:9092", Topic = "t", ConsumerGroupId = "g", ReplicationFactor = 2, MinInSyncReplicas = 3 };

        var error = Assert.Throws<OrleansConfigurationException>(() => AdapterHarness.CreateFactory(options));

        Assert.Contains("MinInSyncReplicas", error.Message);
    }

    [Fact]
    public async Task A_topic_with_another_partition_count_keeps_publishing_off_and_says_why()
    {
        var options = fixture.NewTopic("mismatch", partitions: 2);
        options.Partitions = 3;
        await using var harness = await AdapterHarness.StartUncheckedAsync(options);

        var problem = await WaitForProblem(harness, "has 2 partitions");

        await Assert.ThrowsAsync<KafkaUnavailableException>(() => harness.PublishAsync(StreamId.Create("ns", "k"), "refused"));
        Assert.Contains("configured for 3", problem);
    }

    [Fact]
    public async Task A_missing_topic_is_not_auto_created_by_metadata_requests()
    {
        var options = fixture.NewTopic("present", partitions: 1);
        options.Topic = $"missing-{Guid.NewGuid():N}";
        options.CreateTopicIfMissing = false;
        await using var harness = await AdapterHarness.StartUncheckedAsync(options);

        await WaitForProblem(harness, "does not exist");

        Assert.False(harness.Factory.Status.CanPublish);
    }

    // The mock broker has no controller and no CreateTopics, so creation cannot succeed here; what is checked is
    // that a missing topic leads to a CreateTopics request whose failure Kafka reports (the "controller" error
    // comes from the broker's answer) and that the provider stays up, degraded, saying so.
    [Fact]
    public async Task A_missing_topic_is_requested_from_the_admin_API_and_a_failure_leaves_publishing_degraded()
    {
        var options = fixture.NewTopic("present", partitions: 1);
        options.Topic = $"created-{Guid.NewGuid():N}";
        options.AdminTimeout = TimeSpan.FromSeconds(1);
        await using var harness = await AdapterHarness.StartUncheckedAsync(options);

        await WaitForProblem(harness, "controller");

        Assert.False(harness.Factory.Status.TopicConfirmed);
    }

    // What the provider asks a real cluster for when it creates its topics.
    [Fact]
    public void Created_topics_carry_the_configured_replication_settings()
    {
        var options = new KafkaStreamOptions { Topic = "t", Partitions = 6, ReplicationFactor = 3, MinInSyncReplicas = 2 };

        var specification = KafkaTopicInitializer.Specification(options, "t.dlq");

        Assert.Equal(("t.dlq", 6, (short)3), (specification.Name, specification.NumPartitions, specification.ReplicationFactor));
        Assert.Equal("2", specification.Configs["min.insync.replicas"]);
        Assert.Null(KafkaTopicInitializer.Specification(new KafkaStreamOptions { Topic = "t" }, "t").Configs);
    }

    private static async Task<string> WaitForProblem(AdapterHarness harness, string expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (harness.Factory.Status.Problem is not { } problem || !problem.Contains(expected, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Expected a problem with '{expected}', the status says: {harness.Factory.Status.Problem ?? "publishing"}");
            await Task.Delay(20);
        }

        return harness.Factory.Status.Problem!;
    }
}
