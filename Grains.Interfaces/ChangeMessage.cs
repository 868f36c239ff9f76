using System.Buffers.Binary;

namespace Grains.Interfaces;

/// <summary>
/// The wire form of a change the silos announce and the front ends read, on the cluster's Redis channel:
/// "s:&lt;session id&gt;" or "u:&lt;user id&gt;", followed by ":&lt;receipt&gt;" when the announcer waits for each front end
/// to confirm it. A front end confirms by publishing the receipt once its copy is gone, as "&lt;receipt&gt;:&lt;reader&gt;"
/// (the reader is the front end's own id, so a receipt handled twice counts once), on the channel the receipt names
/// (<see cref="ReceiptChannelOf"/>): the announcing silo's own, so a receipt costs one silo, not every silo. The plain
/// form (no receipt) is still read, so front ends can be upgraded before silos.
/// </summary>
public static class ChangeMessage
{
    private const int IdLength = 32;

    /// <summary>The UUID version (8: "custom") that marks a receipt naming its announcer in its first 32 bits.</summary>
    private const int AnnouncerReceiptVersion = 8;

    public static string Channel(string clusterId) => $"auth-changes:{clusterId}";

    /// <summary>Where front ends confirmed every announcement before receipts named their announcer (still read by silos, for those front ends).</summary>
    public static string ReceiptChannel(string clusterId) => $"auth-changes:{clusterId}:receipts";

    /// <summary>The receipt channel of one announcer (a silo's change feed), "auth-changes:&lt;cluster&gt;:receipts:&lt;8 hex digits&gt;".</summary>
    public static string ReceiptChannel(string clusterId, uint announcer) => $"{ReceiptChannel(clusterId)}:{announcer:x8}";

    /// <summary>
    /// A fresh receipt that names <paramref name="announcer"/>: a version-8 UUID whose first 32 bits are the announcer,
    /// the rest random.
    /// </summary>
    public static Guid NewReceipt(uint announcer)
    {
        Span<byte> bytes = stackalloc byte[16];
        Guid.NewGuid().TryWriteBytes(bytes, bigEndian: true, out _);
        BinaryPrimitives.WriteUInt32BigEndian(bytes, announcer);
        bytes[6] = (byte)((bytes[6] & 0x0F) | (AnnouncerReceiptVersion << 4));
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>Where to confirm <paramref name="receipt"/>: its announcer's channel, or the shared one for a receipt that names none (a silo of an earlier release).</summary>
    public static string ReceiptChannelOf(string clusterId, Guid receipt)
    {
        if (receipt.Version != AnnouncerReceiptVersion)
        {
            return ReceiptChannel(clusterId);
        }

        Span<byte> bytes = stackalloc byte[16];
        receipt.TryWriteBytes(bytes, bigEndian: true, out _);
        return ReceiptChannel(clusterId, BinaryPrimitives.ReadUInt32BigEndian(bytes));
    }

    public static string SessionEnded(Guid sessionId) => $"s:{sessionId:N}";

    public static string UserChanged(Guid userId) => $"u:{userId:N}";

    /// <summary>The announcement <paramref name="message"/> asking every front end that reads it to confirm with <paramref name="receipt"/>.</summary>
    public static string WithReceipt(string message, Guid receipt) => $"{message}:{receipt:N}";

    public static string Receipt(Guid receipt, Guid reader) => $"{receipt:N}:{reader:N}";

    public static bool TryParseReceipt(string? message, out Guid receipt, out Guid reader) =>
        TryParsePair(message, out receipt, out reader);

    /// <summary>A front end's own test message, proving its subscription receives.</summary>
    public static string Probe(Guid nonce) => $"p:{nonce:N}";

    /// <param name="receipt">The receipt to confirm with, or <see cref="Guid.Empty"/> when the announcer does not wait.</param>
    public static bool TryParse(string? message, out char kind, out Guid id, out Guid receipt)
    {
        id = Guid.Empty;
        receipt = Guid.Empty;
        kind = message is { Length: > 2 } && message[1] == ':' ? message[0] : '\0';
        if (kind is not ('s' or 'u'))
        {
            return false;
        }

        var rest = message.AsSpan(2);
        return rest.Length == IdLength ? Guid.TryParseExact(rest, "N", out id) : TryParsePair(rest, out id, out receipt);
    }

    private static bool TryParsePair(ReadOnlySpan<char> text, out Guid first, out Guid second)
    {
        second = Guid.Empty;
        first = Guid.Empty;
        return text.Length == IdLength + 1 + IdLength && text[IdLength] == ':'
            && Guid.TryParseExact(text[..IdLength], "N", out first)
            && Guid.TryParseExact(text[(IdLength + 1)..], "N", out second);
    }
}
