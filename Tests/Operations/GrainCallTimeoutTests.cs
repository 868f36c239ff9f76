using Hosting;
using Hosting.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Tests.Operations;

/// <summary>GRAIN_CALL_TIMEOUT reaches the cluster client the front ends build, and a bad value stops the start.</summary>
public sealed class GrainCallTimeoutTests
{
    [Theory]
    [InlineData(null, 10)]
    [InlineData("00:00:04", 4)]
    public void The_front_ends_cluster_client_waits_for_a_grain_call_as_long_as_configured(string? value, int seconds)
    {
        using var host = Host.CreateDefaultBuilder()
            .UseOrleansClient(client => client.ConfigureAuthClient(Settings(value)))
            .Build();

        Assert.Equal(TimeSpan.FromSeconds(seconds), host.Services.GetRequiredService<IOptions<ClientMessagingOptions>>().Value.ResponseTimeout);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-00:00:01")]
    [InlineData("soon")]
    public void A_bad_value_fails_start_naming_the_variable(string value)
    {
        var error = Assert.Throws<ConfigurationException>(() => Settings(value));
        Assert.Contains("GRAIN_CALL_TIMEOUT", error.Message);
    }

    private static DeploymentSettings Settings(string? timeout) =>
        DeploymentSettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["GRAIN_CALL_TIMEOUT"] = timeout,
        }).Build());
}
