namespace Grains;

/// <summary>For clusters whose front ends keep no copies (embedded mode, grain tests).</summary>
public sealed class NoChangeFeed : IChangeFeed
{
    public Task SessionEnded(Guid sessionId) => Task.CompletedTask;

    public Task UserChanged(Guid userId) => Task.CompletedTask;
}
