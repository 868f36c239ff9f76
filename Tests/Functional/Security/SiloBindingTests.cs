using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Tests.Infrastructure;

namespace Tests.Security;

/// <summary>The silo and gateway ports listen on the advertised address only, not on every address of the host.</summary>
public sealed class SiloBindingTests
{
    [Fact]
    public async Task Silo_and_gateway_ports_answer_on_the_advertised_address_only()
    {
        // The test cluster advertises 127.0.0.1; any other address of this host must find nothing listening.
        var other = NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .First(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        var settings = ExternalServices.ClusterSettings($"binding-{Guid.NewGuid():N}").WithSiloPorts();
        var silo = await Hosts.StartSilo(settings);
        try
        {
            foreach (var port in new[] { int.Parse(settings["SILO_PORT"]!), int.Parse(settings["GATEWAY_PORT"]!) })
            {
                using (var advertised = new TcpClient())
                {
                    await advertised.ConnectAsync(IPAddress.Loopback, port);
                }

                using var elsewhere = new TcpClient();
                var refused = await Assert.ThrowsAsync<SocketException>(() => elsewhere.ConnectAsync(other, port));
                Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
            }
        }
        finally
        {
            await silo.StopAsync();
            await silo.DisposeAsync();
        }
    }
}
