using System.Net;
using System.Net.Sockets;

namespace TestSupport;

/// <summary>
/// Ports for the silos and front ends the tests start. They come from below the kernel's ephemeral range
/// (32768–60999 here), which the OS also hands to outgoing connections — a port picked there could be taken
/// by a client socket before the server binds it. Each port is handed out once per test run and checked
/// free on every address, as Kestrel binds them.
/// </summary>
public static class FreePort
{
    private const int First = 20000;
    private const int Last = 32000;
    private static int _next = First + Random.Shared.Next(Last - First);

    public static int Next()
    {
        for (var attempt = 0; attempt < Last - First; attempt++)
        {
            var port = First + (Interlocked.Increment(ref _next) - First) % (Last - First);
            if (IsFree(port))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"No free port between {First} and {Last}.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true };
            socket.Bind(new IPEndPoint(IPAddress.IPv6Any, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
