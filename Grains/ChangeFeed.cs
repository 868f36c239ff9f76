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
