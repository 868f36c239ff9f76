using Api.Hosting;
using Hosting.Configuration;
using Silo;
using Silo.Health;
using Silo.Hosting;

namespace EmbeddedHost;

/// <summary>The product's silo, hosted inside the front end's process.</summary>
public sealed class EmbeddedSilo : IEmbeddedSilo
{
    public void Add(WebApplicationBuilder builder, DeploymentSettings deployment)
    {
        builder.UseOrleans(silo => silo.ConfigureAuthSilo(deployment));
        builder.Services.AddHealthChecks().AddSiloStoreChecks(deployment);
    }

    public void Map(WebApplication app, DeploymentSettings deployment) => app.MapDashboard(deployment, onlyOnPort: deployment.SiloHttpPort);

    public string Describe(DeploymentSettings deployment) => SiloSetup.Describe(deployment);
}
