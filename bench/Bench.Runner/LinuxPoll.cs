using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Bench.Runner;

/// <summary>
/// The open-loop generator's answer reader waits on all its connections with one Linux epoll set and reads each
/// ready socket with one non-blocking recv. .NET's own socket engine does the same wait on its event thread, but
/// hands every readiness to a pool thread, which reads and then asks again (a second recv that finds nothing):
/// two thread switches and two system calls per answer, which made the generator cost more CPU per request than
/// the front end it measured.
/// </summary>
public sealed class LinuxPoll : IDisposable
{
    private const int EpollCtlAdd = 1;
    private const int EpollCtlDel = 2;
    private const uint EpollIn = 0x001;
    private const int MsgDontWait = 0x40;
    private const int Eintr = 4;
    private const int Eagain = 11;

    /// <summary>
    /// struct epoll_event is packed on x86-64 (4 bytes of flags, then the 8-byte user data at offset 4: 12 bytes)
    /// and naturally aligned elsewhere (data at offset 8: 16 bytes).
    /// </summary>
    private static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    private static readonly int EventSize = DataOffset + 8;

    private readonly int _fd;
    private readonly byte[] _events;

    public LinuxPoll(int capacity)
    {
        _fd = epoll_create1(0);
        if (_fd < 0)
        {
            throw new InvalidOperationException($"epoll_create1 failed (errno {Marshal.GetLastPInvokeError()})");
        }

        _events = new byte[capacity * EventSize];
    }

    /// <summary>Watches <paramref name="socketFd"/> for data to read; <see cref="Wait"/> reports it as <paramref name="key"/>.</summary>
    public void Add(int socketFd, int key)
    {
        var request = new byte[EventSize];
        BinaryPrimitives.WriteUInt32LittleEndian(request, EpollIn);
        BinaryPrimitives.WriteInt64LittleEndian(request.AsSpan(DataOffset), key);
        if (epoll_ctl(_fd, EpollCtlAdd, socketFd, request) != 0)
        {
            throw new InvalidOperationException($"epoll_ctl failed (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    /// <summary>Stops watching <paramref name="socketFd"/> (a closed connection would otherwise be reported ready forever).</summary>
    public void Remove(int socketFd) => _ = epoll_ctl(_fd, EpollCtlDel, socketFd, new byte[EventSize]);

    /// <summary>
    /// Waits up to <paramref name="timeoutMs"/> for sockets with data and writes their keys into
    /// <paramref name="keys"/>; returns how many (0 on a timeout or an interrupted wait).
    /// </summary>
    public int Wait(Span<int> keys, int timeoutMs)
    {
        var ready = epoll_wait(_fd, _events, Math.Min(keys.Length, _events.Length / EventSize), timeoutMs);
        if (ready < 0)
        {
            var error = Marshal.GetLastPInvokeError();
            return error == Eintr ? 0 : throw new InvalidOperationException($"epoll_wait failed (errno {error})");
        }

        for (var i = 0; i < ready; i++)
        {
            keys[i] = (int)BinaryPrimitives.ReadInt64LittleEndian(_events.AsSpan(i * EventSize + DataOffset));
        }

        return ready;
    }

    /// <summary>
    /// One recv without blocking into <paramref name="buffer"/>: the bytes read, 0 when the connection is closed or
    /// failed (nothing more will come on it), −1 when nothing was waiting.
    /// </summary>
    public static int Receive(int socketFd, Span<byte> buffer)
    {
        var read = recv(socketFd, ref MemoryMarshal.GetReference(buffer), buffer.Length, MsgDontWait);
        if (read >= 0)
        {
            return (int)read;
        }

        var error = Marshal.GetLastPInvokeError();
        return error is Eagain or Eintr ? -1 : 0;
    }

    public void Dispose() => close(_fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_create1(int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_ctl(int epfd, int op, int fd, byte[] events);

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_wait(int epfd, byte[] events, int maxEvents, int timeoutMs);

    [DllImport("libc", SetLastError = true)]
    private static extern nint recv(int fd, ref byte buffer, nint length, int flags);

    [DllImport("libc")]
    private static extern int close(int fd);
}
