using Hosting.Configuration;
using Hosting.Failover;
using Microsoft.Extensions.DependencyInjection.Extensions;
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

        // The bound on any grain call (default 30 s; GRAIN_CALL_TIMEOUT, 10 s): after it the request is answered 503
        // with Retry-After. A call caught by a silo's death is not left to it: SiloLossCallFilter fails it a few
        // seconds after the front end loses its connection to that silo, so this can stay long enough for a store
        // that is merely slow.
        client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = settings.GrainCallTimeout);
        client.Services.TryAddSingleton(TimeProvider.System);
        client.Services.TryAddSingleton<SiloLossSignal>();
        client.AddGatewayCountChangedHandler(sp => sp.GetRequiredService<SiloLossSignal>().OnGatewayCountChanged);
        client.AddOutgoingGrainCallFilter<SiloLossCallFilter>();
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
