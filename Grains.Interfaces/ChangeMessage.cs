namespace Grains.Interfaces;

/// <summary>
/// The wire form of a change the silos announce and the front ends read: "s:&lt;session id&gt;" or
/// "u:&lt;user id&gt;", on the cluster's Redis channel.
/// </summary>
public static class ChangeMessage
{
    public static string Channel(string clusterId) => $"auth-changes:{clusterId}";

    public static string SessionEnded(Guid sessionId) => $"s:{sessionId:N}";

    public static string UserChanged(Guid userId) => $"u:{userId:N}";

    /// <summary>A front end's own test message, proving its subscription receives.</summary>
    public static string Probe(Guid nonce) => $"p:{nonce:N}";

    public static bool TryParse(string? message, out char kind, out Guid id)
    {
        kind = message is { Length: > 2 } && message[1] == ':' ? message[0] : '\0';
        id = Guid.Empty;
        return kind is 's' or 'u' && Guid.TryParseExact(message.AsSpan(2), "N", out id);
    }
}
