using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace TestSupport;

/// <summary>
/// A TCP relay on a loopback port in front of a real server that hands each byte the server sends to the client
/// only <see cref="Delay"/> after it arrived (what the client sends goes through at once). It widens, for a
/// test, the window in which a client reads something the server has already said: a subscriber slowed this way
/// still gets every message, in order, just late.
/// </summary>
public sealed class DelayingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly string _host;
    private readonly int _port;
    private readonly Task _accepting;

    public DelayingProxy(string host, int port, TimeSpan delay)
    {
        _host = host;
        _port = port;
        Delay = delay;
        _listener.Start();
        _accepting = Accept();
    }

    public TimeSpan Delay { get; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task Accept()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = Relay(client);
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task Relay(TcpClient client)
    {
        using var _ = client;
        using var server = new TcpClient();
        try
        {
            await server.ConnectAsync(_host, _port, _stop.Token);
            await Task.WhenAny(
                client.GetStream().CopyToAsync(server.GetStream(), _stop.Token),
                Late(server.GetStream(), client.GetStream()));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            // Either side closed, or the proxy stopped: this relay is over.
        }
    }

    /// <summary>Copies <paramref name="from"/> to <paramref name="to"/>, each chunk <see cref="Delay"/> after it was read.</summary>
    private async Task Late(Stream from, Stream to)
    {
        var chunks = Channel.CreateUnbounded<(long Due, byte[] Bytes)>();
        var writing = Task.Run(async () =>
        {
            await foreach (var (due, bytes) in chunks.Reader.ReadAllAsync(_stop.Token))
            {
                var wait = TimeSpan.FromTicks(due - DateTime.UtcNow.Ticks);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _stop.Token);
                }

                await to.WriteAsync(bytes, _stop.Token);
            }
        });

        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
        {
            await chunks.Writer.WriteAsync(((DateTime.UtcNow + Delay).Ticks, buffer[..read]), _stop.Token);
        }

        chunks.Writer.Complete();
        await writing;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
