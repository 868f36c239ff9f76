namespace Grains.Interfaces;

/// <summary>
/// A store the cluster depends on (PostgreSQL, Redis) did not answer. Raised in place of the driver's
/// own exception, which cannot travel to a client, so front ends can answer 503 and clients retry.
/// </summary>
[GenerateSerializer]
public sealed class DependencyUnavailableException : Exception
{
    public DependencyUnavailableException()
    {
    }

    public DependencyUnavailableException(string message)
        : base(message)
    {
    }

    public DependencyUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
