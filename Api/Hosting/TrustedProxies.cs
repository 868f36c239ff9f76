using System.Net;
using Hosting.Configuration;
using Microsoft.AspNetCore.HttpOverrides;
using IPNetwork = System.Net.IPNetwork;

namespace Api.Hosting;

/// <summary>
/// TRUSTED_PROXIES (addresses or CIDR ranges, comma-separated): only a request whose peer is one of them
/// has its X-Forwarded-For / X-Forwarded-Proto believed, through ASP.NET Core's forwarded-headers middleware.
/// </summary>
public static class TrustedProxies
{
    public static IReadOnlyList<IPNetwork> Parse(string? raw)
    {
        var networks = new List<IPNetwork>();
        foreach (var entry in (raw ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (IPNetwork.TryParse(entry, out var network))
            {
                networks.Add(network);
            }
            else if (IPAddress.TryParse(entry, out var address))
            {
                networks.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                throw new ConfigurationException($"TRUSTED_PROXIES must list IP addresses or CIDR ranges such as 10.0.0.0/8, not '{entry}'.");
            }
        }

        return networks;
    }

    /// <summary>Nothing is trusted by default, not even loopback (the framework's default), unless it is listed.</summary>
    public static IApplicationBuilder UseTrustedProxies(this IApplicationBuilder app, IReadOnlyList<IPNetwork> proxies)
    {
        if (proxies.Count == 0)
        {
            return app;
        }

        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            // Walk back through every trusted hop; the first untrusted address is the client.
            ForwardLimit = null,
        };
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in proxies)
        {
            options.KnownIPNetworks.Add(proxy);
        }

        return app.UseForwardedHeaders(options);
    }
}
