namespace Hosting.Configuration;

/// <summary>A setting is missing or malformed; the message names it and is shown as the one line at exit.</summary>
public sealed class ConfigurationException(string message) : Exception(message);
