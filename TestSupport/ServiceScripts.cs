using System.Diagnostics;

namespace TestSupport;

/// <summary>Runs a function of scripts/services.sh, the same code test.sh starts the stores with.</summary>
public static class ServiceScripts
{
    public static async Task Run(string command)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"source '{RepositoryRoot.Path}/scripts/services.sh' && {command}");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        await output;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/services.sh: '{command}' exited {process.ExitCode}: {error}");
        }
    }
}
