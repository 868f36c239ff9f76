namespace Grains;

/// <summary>
/// The grains read time from a keyed <see cref="TimeProvider"/>, so tests can move the clock that
/// drives session expiry and throttling without also moving the one Orleans itself runs on.
/// </summary>
public static class DomainClock
{
    public const string ServiceKey = "domain-clock";
}
