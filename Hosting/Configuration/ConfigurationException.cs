namespace Hosting.Configuration;

/// <summary>A setting is missing or malformed; the message names it and is shown as the one line at exit.</summary>
public sealed class ConfigurationException(string message) : Exception(message)
{
    /// <summary>Writes that one line to standard error and gives the exit code every process of the project stops with.</summary>
    public int ReportAtExit()
    {
        Console.Error.WriteLine($"configuration error: {Message}");
        return 1;
    }
}
