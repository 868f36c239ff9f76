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
    public async Task Start_fails_when_the_existing_topic_has_another_partition_count()
    {
        var options = fixture.NewTopic("mismatch", partitions: 2);
        options.Partitions = 3;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => AdapterHarness.StartAsync(options));

        Assert.Contains("has 2 partitions", error.Message);
    }

    [Fact]
    public async Task A_missing_topic_is_not_auto_created_by_metadata_requests()
    {
        var options = fixture.NewTopic("present", partitions: 1);
        options.Topic = $"missing-{Guid.NewGuid():N}";
        options.CreateTopicIfMissing = false;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => AdapterHarness.StartAsync(options));

        Assert.Contains("does not exist", error.Message);
    }

    // The mock broker has no controller and no CreateTopics, so creation cannot succeed here; what is checked is
    // that a missing topic leads to a CreateTopics request and that its failure stops the start with Kafka's error.
    [Fact]
    public async Task A_missing_topic_is_requested_from_the_admin_API_and_a_failure_stops_the_start()
    {
        var options = fixture.NewTopic("present", partitions: 1);
        options.Topic = $"created-{Guid.NewGuid():N}";
        options.AdminTimeout = TimeSpan.FromSeconds(1);

        var error = await Assert.ThrowsAnyAsync<Confluent.Kafka.KafkaException>(() => AdapterHarness.StartAsync(options));

        Assert.Contains("controller", error.Message);
    }
}
