using Hosting.Configuration;
using Hosting;
using Silo.Hosting;

if (HealthProbe.IsRequested(args))
{
    return await HealthProbe.Run(args[1]);
}

ServiceDefaults.LoadDotEnv();
WebApplication app;
try
{
    app = SiloHost.Build(WebApplication.CreateBuilder(args));
}
catch (ConfigurationException e)
{
    return e.ReportAtExit();
}

await app.RunAsync();
return 0;
