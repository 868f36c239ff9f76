namespace Api.Http;

public static class ClientAddress
{
    /// <summary>The peer's address as people write it: IPv4 stays IPv4 on a dual-stack socket.</summary>
    public static string? Of(HttpContext http) => http.Connection.RemoteIpAddress switch
    {
        null => null,
        { IsIPv4MappedToIPv6: true } mapped => mapped.MapToIPv4().ToString(),
        var address => address.ToString(),
    };
}
