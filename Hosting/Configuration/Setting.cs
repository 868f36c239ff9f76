using System.Globalization;
using System.Net;

namespace Hosting.Configuration;

/// <summary>Reads one named setting and turns a malformed value into a <see cref="ConfigurationException"/> naming it.</summary>
public static class Setting
{
    public static string? Optional(IConfiguration config, string key) =>
        config[key] is { } value && value.Trim() is { Length: > 0 } trimmed ? trimmed : null;

    public static string Required(IConfiguration config, string key, string because) =>
        Optional(config, key) ?? throw new ConfigurationException($"{key} must be set because {because}.");

    public static int Port(IConfiguration config, string key, int fallback) => Optional(config, key) switch
    {
        null => fallback,
        var raw when int.TryParse(raw, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535 => port,
        var raw => throw new ConfigurationException($"{key} must be a port number from 1 to 65535, not '{raw}'."),
    };

    public static int Count(IConfiguration config, string key, int fallback) => Optional(config, key) switch
    {
        null => fallback,
        var raw when int.TryParse(raw, CultureInfo.InvariantCulture, out var count) && count > 0 => count,
        var raw => throw new ConfigurationException($"{key} must be a whole number above 0, not '{raw}'."),
    };

    /// <summary>A whole number of milliseconds from 0 to <paramref name="max"/>, for settings that keep a library's own unit.</summary>
    public static int Milliseconds(IConfiguration config, string key, int fallback, int max) => Optional(config, key) switch
    {
        null => fallback,
        var raw when int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms <= max => ms,
        var raw => throw new ConfigurationException($"{key} must be a whole number of milliseconds from 0 to {max}, not '{raw}'."),
    };

    public static TimeSpan Duration(IConfiguration config, string key, TimeSpan fallback) => Optional(config, key) switch
    {
        null => fallback,
        var raw when TimeSpan.TryParse(raw, CultureInfo.InvariantCulture, out var value) && value > TimeSpan.Zero => value,
        var raw => throw new ConfigurationException($"{key} must be a positive duration such as 00:15:00 or 7.00:00:00, not '{raw}'."),
    };

    public static IPAddress? Address(IConfiguration config, string key) => Optional(config, key) switch
    {
        null => null,
        var raw when IPAddress.TryParse(raw, out var address) => address,
        var raw => throw new ConfigurationException($"{key} must be an IP address, not '{raw}'."),
    };
}
