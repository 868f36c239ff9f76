using Hosting.Configuration;
using Microsoft.Extensions.Configuration;
using StackExchange.Redis;

namespace Tests.Operations;

/// <summary>REDIS_USERNAME with REDIS_PASSWORD: the cluster connects to a real redis-server as that ACL user.</summary>
public sealed class RedisAclUserTests
{
    [Fact]
    public async Task The_cluster_connects_as_the_configured_acl_user()
    {
        var user = $"cluster-{Guid.NewGuid():N}";
        var password = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        await using var admin = await ConnectionMultiplexer.ConnectAsync($"{ExternalServices.RedisHost}:{ExternalServices.RedisPort}");
        await admin.GetDatabase().ExecuteAsync("ACL", "SETUSER", user, "on", $">{password}", "~*", "&*", "+@all");
        try
        {
            await using var cluster = await ConnectionMultiplexer.ConnectAsync(Connection(user, password));
            Assert.Equal(user, (string?)await cluster.GetDatabase().ExecuteAsync("ACL", "WHOAMI"));
        }
        finally
        {
            await admin.GetDatabase().ExecuteAsync("ACL", "DELUSER", user);
        }
    }

    private static string Connection(string user, string password) =>
        DeploymentSettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>(ExternalServices.ClusterSettings("acl"))
        {
            ["REDIS_USERNAME"] = user,
            ["REDIS_PASSWORD"] = password,
        }).Build()).RedisConnection!;
}
