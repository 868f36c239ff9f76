using System.Net;

namespace Tests.Security;

/// <summary>A request body whose length is not announced, so it goes out with Transfer-Encoding: chunked.</summary>
public sealed class ChunkedContent(byte[] bytes) : HttpContent
{
    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
