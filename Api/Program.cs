using Api.Hosting;
using Hosting;
using Hosting.Configuration;

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
    return e.ReportAtExit();
}

await app.RunAsync();
return 0;
