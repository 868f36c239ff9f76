using Microsoft.Kiota.Abstractions.Authentication;

namespace Tests.Client;

/// <summary>Hands the generated client the access token of the session it logged in to, as an app's token store would.</summary>
public sealed class SessionTokenProvider : IAccessTokenProvider
{
    public string? AccessToken { get; set; }

    // The test front ends listen on loopback over plain HTTP: any host the client was pointed at.
    public AllowedHostsValidator AllowedHostsValidator { get; } = new();

    public Task<string> GetAuthorizationTokenAsync(Uri uri, Dictionary<string, object>? additionalAuthenticationContext = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(AccessToken ?? "");
}
