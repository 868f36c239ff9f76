using Hosting.Configuration;
using Orleans.Configuration;
using Orleans.Serialization;

namespace Hosting;

/// <summary>How a front end (or any other client) joins the cluster the settings name.</summary>
public static class ClientSetup
{
    /// <summary>Silos and clients must agree on these to find each other.</summary>
    public static IClientBuilder ConfigureAuthClient(this IClientBuilder client, DeploymentSettings settings)
    {
        client.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = settings.ClusterId;
            o.ServiceId = settings.ServiceId;
        });
        client.Services.Configure<ExceptionSerializationOptions>(StorageOutage.AllowDriverExceptions);
        // A front end learns the current gateways often, so a dead silo's gateway is dropped quickly.
        client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));

        // A call caught by a silo's death (its directory partition or activation gone with it) would hold the
        // HTTP request for the default 30 s; after GRAIN_CALL_TIMEOUT (10 s) it fails and is answered 503 with
        // Retry-After instead. Every grain call here is a memory or single-row storage operation, far below that;
        // a shorter value answers sooner after a silo's death, at the price of 503s when a store is merely slow.
        client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = settings.GrainCallTimeout);
        if (settings.RedisConnection is { } redis)
        {
            client.UseRedisClustering(redis);
        }
        else
        {
            client.UseLocalhostClustering(settings.GatewayPort);
        }

        return client.UseClusterTls(settings.ClusterTls);
    }
}
