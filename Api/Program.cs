using Api.Hosting;
using Silo.Configuration;
using Silo.Hosting;

if (HealthProbe.IsRequested(args))
{
    return await HealthProbe.Run(args[1]);
}

ServiceDefaults.LoadDotEnv();
WebApplication app;
try
{
    app = ApiHost.Build(WebApplication.CreateBuilder(args));
}
catch (ConfigurationException e)
{
    Console.Error.WriteLine($"configuration error: {e.Message}");
    return 1;
}

await app.RunAsync();
return 0;
