using Grains;
using Hosting.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Silo;
using Streaming.Kafka;

namespace Tests.Operations;

/// <summary>KAFKA_LINGER_MS reaches the event producer of the silo the product builds, and a bad value stops the start.</summary>
public sealed class KafkaLingerTests
{
    [Theory]
    [InlineData(null, "5")]
    [InlineData("0", "0")]
    [InlineData("250", "250")]
    public void The_silos_event_producer_gathers_events_as_long_as_configured(string? value, string lingerMs)
    {
        using var host = Host.CreateDefaultBuilder()
            .UseOrleans(silo => silo.ConfigureAuthSilo(Settings(value)))
            .Build();

        var options = host.Services.GetRequiredService<IOptionsMonitor<KafkaStreamOptions>>().Get(UserEventStream.Provider);
        Assert.Equal(lingerMs, options.ProducerConfig["linger.ms"]);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("20ms")]
    [InlineData("900001")]
    public void A_bad_value_fails_start_naming_the_variable(string value)
    {
        var error = Assert.Throws<ConfigurationException>(() => Settings(value));
        Assert.Contains("KAFKA_LINGER_MS", error.Message);
    }

    private static DeploymentSettings Settings(string? lingerMs) =>
        DeploymentSettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["KAFKA_BROKER"] = "127.0.0.1:9",
            ["KAFKA_LINGER_MS"] = lingerMs,
        }).Build());
}
