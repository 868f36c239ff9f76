namespace Grains;

/// <summary>
/// Tells the front ends, at once, that something they may hold a copy of has changed: a session ended
/// or a user was written. Grains announce after the change is stored and before they answer, so a
/// logout that returned has already reached every connected front end.
/// </summary>
public interface IChangeFeed
{
    Task SessionEnded(Guid sessionId);

    Task UserChanged(Guid userId);
}

/// <summary>For clusters whose front ends keep no copies (embedded mode, grain tests).</summary>
public sealed class NoChangeFeed : IChangeFeed
{
    public Task SessionEnded(Guid sessionId) => Task.CompletedTask;

    public Task UserChanged(Guid userId) => Task.CompletedTask;
}

/// <summary>The wire form of a change: "s:&lt;session id&gt;" or "u:&lt;user id&gt;".</summary>
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
