namespace Api.Hosting;

/// <summary>Endpoint metadata: the route is under <see cref="ClientFailureLimit"/>, so it may answer 429 (the OpenAPI documents say so).</summary>
public sealed class ClientFailureLimited
{
    public static readonly ClientFailureLimited Instance = new();

    private ClientFailureLimited()
    {
    }
}
