using System.Net;
using System.Net.Sockets;

namespace Api.Http;

public static class ClientAddress
{
    /// <summary>The client's address as people write it (IPv4 stays IPv4 on a dual-stack socket); behind trusted proxies, the forwarded one.</summary>
    public static string? Of(HttpContext http) => Normalized(http)?.ToString();

    /// <summary>
    /// The bucket per-client limits count in: an IPv4 address, or an IPv6 /64 — one subscriber's
    /// network, inside which an attacker picks any of 2^64 addresses.
    /// </summary>
    public static string? Bucket(HttpContext http)
    {
        if (Normalized(http) is not { } address)
        {
            return null;
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return $"{new IPAddress(bytes)}/64";
    }

    private static IPAddress? Normalized(HttpContext http) => http.Connection.RemoteIpAddress switch
    {
        null => null,
        { IsIPv4MappedToIPv6: true } mapped => mapped.MapToIPv4(),
        var address => address,
    };
}
