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
/// chunked). Per request it costs a socket write, a share of one wait for every connection (<see cref="LinuxPoll"/>),
/// one read on a single reader thread and a little parsing, and it allocates nothing per request (timestamps go
/// into arrays sized for the pass), so the generator takes a small share of the cores it shares with the server
/// and has no garbage collections of its own to stop the schedule. HttpClient cost about as much CPU per request
/// as the front end it measured, and its allocations paused the sender.
/// </summary>
public sealed class PipelinedLoad : IAsyncDisposable
{
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();
    private static readonly byte[] ContentLength = "\r\ncontent-length:"u8.ToArray();
    private static readonly byte[] Chunked = "chunked"u8.ToArray();

    private readonly byte[][] _requests;
    private readonly Connection[] _connections;
    private readonly LinuxPoll _poll;
    private readonly Thread _reader;
    private readonly Action _onReaderStarted;
    private volatile bool _closing;

    private PipelinedLoad(byte[][] requests, Connection[] connections, Action onReaderStarted)
    {
        _requests = requests;
        _connections = connections;
        _onReaderStarted = onReaderStarted;
        _poll = new LinuxPoll(connections.Length);
        for (var i = 0; i < connections.Length; i++)
        {
            _poll.Add(connections[i].Fd, i);
        }

        _reader = new Thread(ReadAll) { IsBackground = true, Name = "open-loop reader" };
    }

    /// <summary>
    /// Opens <paramref name="connections"/> connections to 127.0.0.1:<paramref name="port"/>; request i uses token i
    /// mod the tokens. <paramref name="onReaderStarted"/> runs first on the thread that reads every answer (to
    /// raise its priority).
    /// </summary>
    public static PipelinedLoad Open(int port, IReadOnlyList<string> tokens, int connections, Action onReaderStarted)
    {
        var requests = tokens
            .Select(t => Encoding.ASCII.GetBytes($"GET /auth/me HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {t}\r\n\r\n"))
            .ToArray();
        var opened = new Connection[connections];
        for (var i = 0; i < connections; i++)
        {
            // A blocking connect, so the socket never joins .NET's own event loop (its first asynchronous call would
            // register it there); the sender writes with blocking sends and the reader polls it itself.
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            socket.Connect(IPAddress.Loopback, port);
            opened[i] = new Connection(socket);
        }

        var load = new PipelinedLoad(requests, opened, onReaderStarted);
        load._reader.Start();
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

    /// <summary>The reader thread: waits for any connection with data, reads it once, records the whole answers in it.</summary>
    private void ReadAll()
    {
        _onReaderStarted();
        Span<int> ready = stackalloc int[_connections.Length];
        while (!_closing)
        {
            var count = _poll.Wait(ready, timeoutMs: 100);
            for (var i = 0; i < count; i++)
            {
                var connection = _connections[ready[i]];
                if (!connection.Closed)
                {
                    Receive(connection);
                }
            }
        }
    }

    private void Receive(Connection connection)
    {
        if (connection.End == connection.Buffer.Length)
        {
            Array.Resize(ref connection.Buffer, connection.Buffer.Length * 2);
        }

        var read = LinuxPoll.Receive(connection.Fd, connection.Buffer.AsSpan(connection.End));
        if (read == 0)
        {
            // Closed (or failed): its waiting requests are never answered, and the pass counts them unanswered.
            connection.Closed = true;
            _poll.Remove(connection.Fd);
            return;
        }

        if (read < 0)
        {
            return;
        }

        connection.End += read;
        var start = 0;
        while (TryParse(connection.Buffer.AsSpan(start, connection.End - start), out var length, out var status))
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
            connection.Buffer.AsSpan(start, connection.End - start).CopyTo(connection.Buffer);
            connection.End -= start;
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

    public ValueTask DisposeAsync()
    {
        _closing = true;
        _reader.Join();
        foreach (var connection in _connections)
        {
            connection.Socket.Dispose();
        }

        _poll.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed class Connection(Socket socket)
    {
        public Socket Socket { get; } = socket;
        public int Fd { get; } = (int)socket.Handle;
        public ConcurrentQueue<(Pass Pass, long N)> Waiting { get; } = new();

        /// <summary>Read and not yet parsed: bytes 0 to <see cref="End"/>. Only the reader thread touches these.</summary>
        public byte[] Buffer = new byte[256 * 1024];

        public int End;
        public bool Closed;
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
