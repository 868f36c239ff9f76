using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Bench.Runner;

/// <summary>
/// The open loop's client: HTTP/1.1 requests prepared once as bytes and written, pipelined, on a few kept-alive
/// connections; each answer parsed just far enough to read its status and find its end (Content-Length or
/// chunked). Per request it costs a socket write and a little parsing, and it allocates nothing per request
/// (timestamps go into arrays sized for the pass), so the generator takes a small share of the cores it shares
/// with the server and has no garbage collections of its own to stop the schedule. HttpClient cost about as much
/// CPU per request as the front end it measured, and its allocations paused the sender.
/// </summary>
public sealed class PipelinedLoad : IAsyncDisposable
{
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();
    private static readonly byte[] ContentLength = "\r\ncontent-length:"u8.ToArray();
    private static readonly byte[] Chunked = "chunked"u8.ToArray();

    private readonly byte[][] _requests;
    private readonly Connection[] _connections;

    private PipelinedLoad(byte[][] requests, Connection[] connections)
    {
        _requests = requests;
        _connections = connections;
    }

    /// <summary>Opens <paramref name="connections"/> connections to 127.0.0.1:<paramref name="port"/>; request i uses token i mod the tokens.</summary>
    public static async Task<PipelinedLoad> Open(int port, IReadOnlyList<string> tokens, int connections)
    {
        var requests = tokens
            .Select(t => Encoding.ASCII.GetBytes($"GET /auth/me HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {t}\r\n\r\n"))
            .ToArray();
        var opened = new Connection[connections];
        for (var i = 0; i < connections; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(IPAddress.Loopback, port);
            opened[i] = new Connection(socket);
        }

        var load = new PipelinedLoad(requests, opened);
        foreach (var connection in opened)
        {
            connection.Reading = Task.Run(() => load.Read(connection));
        }

        return load;
    }

    /// <summary>Writes request <paramref name="n"/> of <paramref name="pass"/>, due at <paramref name="due"/> (a Stopwatch timestamp).</summary>
    public void Send(Pass pass, long n, long due)
    {
        var connection = _connections[n % _connections.Length];
        pass.Due[n] = due;
        connection.Waiting.Enqueue((pass, n));
        pass.Sent[n] = Stopwatch.GetTimestamp();
        try
        {
            connection.Socket.Send(_requests[n % _requests.Length]);
        }
        catch (SocketException)
        {
            // The answer never comes: the pass counts it unanswered.
        }
    }

    private async Task Read(Connection connection)
    {
        var buffer = new byte[256 * 1024];
        var (start, end) = (0, 0);
        try
        {
            while (true)
            {
                while (TryParse(buffer.AsSpan(start, end - start), out var length, out var status))
                {
                    start += length;
                    // Answers come back in the order of the requests on their connection (HTTP/1.1 pipelining).
                    if (connection.Waiting.TryDequeue(out var request))
                    {
                        var (pass, n) = request;
                        pass.Answered[n] = Stopwatch.GetTimestamp();
                        pass.Ok[n] = status == 200;
                        Interlocked.Increment(ref pass.AnsweredCount);
                    }
                }

                if (start > 0)
                {
                    buffer.AsSpan(start, end - start).CopyTo(buffer);
                    (start, end) = (0, end - start);
                }

                if (end == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                var read = await connection.Socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None);
                if (read == 0)
                {
                    return;
                }

                end += read;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>One whole answer at the start of <paramref name="data"/>: its length and status.</summary>
    private static bool TryParse(ReadOnlySpan<byte> data, out int length, out int status)
    {
        length = 0;
        status = 0;
        var headerEnd = data.IndexOf(HeaderEnd);
        if (headerEnd < 0 || !Utf8Parser.TryParse(data.Slice(9, 3), out status, out _))
        {
            return false;
        }

        var headers = data[..headerEnd];
        var body = headerEnd + HeaderEnd.Length;
        var lengthAt = IndexOfIgnoringCase(headers, ContentLength);
        if (lengthAt >= 0)
        {
            var value = headers[(lengthAt + ContentLength.Length)..].TrimStart((byte)' ');
            if (!Utf8Parser.TryParse(value, out int contentLength, out _) || data.Length < body + contentLength)
            {
                return false;
            }

            length = body + contentLength;
            return true;
        }

        if (IndexOfIgnoringCase(headers, Chunked) < 0)
        {
            length = body; // no body (a 204, say)
            return true;
        }

        var at = body;
        while (true)
        {
            var lineEnd = data[at..].IndexOf("\r\n"u8);
            if (lineEnd < 0 || !Utf8Parser.TryParse(data.Slice(at, lineEnd), out int size, out _, 'X'))
            {
                return false;
            }

            at += lineEnd + 2 + size + 2; // the chunk and its CRLF; the last (size 0) is followed by the final CRLF
            if (data.Length < at)
            {
                return false;
            }

            if (size == 0)
            {
                length = at;
                return true;
            }
        }
    }

    private static int IndexOfIgnoringCase(ReadOnlySpan<byte> text, ReadOnlySpan<byte> lowerCase)
    {
        for (var i = 0; i + lowerCase.Length <= text.Length; i++)
        {
            var match = true;
            for (var j = 0; j < lowerCase.Length && match; j++)
            {
                match = (text[i + j] | 0x20) == lowerCase[j] || text[i + j] == lowerCase[j];
            }

            if (match)
            {
                return i;
            }
        }

        return -1;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            connection.Socket.Dispose();
        }

        await Task.WhenAll(_connections.Select(c => c.Reading ?? Task.CompletedTask));
    }

    private sealed class Connection(Socket socket)
    {
        public Socket Socket { get; } = socket;
        public ConcurrentQueue<(Pass Pass, long N)> Waiting { get; } = new();
        public Task? Reading { get; set; }
    }

    /// <summary>A pass of <paramref name="total"/> requests: their timestamps by request number (Stopwatch ticks; 0 = not yet).</summary>
    public sealed class Pass(long total)
    {
        public long[] Due { get; } = new long[total];
        public long[] Sent { get; } = new long[total];
        public long[] Answered { get; } = new long[total];
        public bool[] Ok { get; } = new bool[total];
        public long AnsweredCount;

        public async Task<bool> AllAnswered(TimeSpan timeout)
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
            while (Interlocked.Read(ref AnsweredCount) < Due.Length)
            {
                if (Stopwatch.GetTimestamp() > deadline)
                {
                    return false;
                }

                await Task.Delay(20);
            }

            return true;
        }
    }
}
