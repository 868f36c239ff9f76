using Hosting.Configuration;

namespace Api.Hosting;

/// <summary>
/// A silo run inside the front end's own process, for the one-command development setup (the EmbeddedHost
/// project supplies it). The front end itself knows only the grain interfaces.
/// </summary>
public interface IEmbeddedSilo
{
    /// <summary>Adds the silo and the health checks of what it alone talks to.</summary>
    void Add(WebApplicationBuilder builder, DeploymentSettings deployment);

    /// <summary>Maps what a standalone silo serves on SILO_HTTP_PORT (the dashboard).</summary>
    void Map(WebApplication app, DeploymentSettings deployment);

    /// <summary>The providers the silo uses, in one line for the start-up log.</summary>
    string Describe(DeploymentSettings deployment);
}
