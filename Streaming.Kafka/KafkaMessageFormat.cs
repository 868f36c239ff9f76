namespace Streaming.Kafka;

/// <summary>
/// How one stream event is laid out as one Kafka record, so that tools outside Orleans (kcat, any Kafka client)
/// can read the topic:
/// <list type="bullet">
/// <item>Key: the stream key string as UTF-8 (e.g. the user id).</item>
/// <item>Value: a <see cref="string"/> event as its UTF-8 bytes (publish JSON text and outside readers see plain JSON);
/// a <see cref="byte"/>[] event as is; any other event in Orleans' binary serialization (readable only by Orleans).</item>
/// <item>Header <see cref="NamespaceHeader"/>: the stream namespace, UTF-8.</item>
/// <item>Header <see cref="PayloadTypeHeader"/>: <see cref="StringPayload"/>, <see cref="BytesPayload"/> or
/// <see cref="OrleansPayload"/>, so the receiver hands the event back as the type it was published as.</item>
/// <item>Header <see cref="RequestContextHeader"/> (only when there is one): the Orleans request context, Orleans-serialized.</item>
/// </list>
/// Records without the namespace and payload-type headers (written by something else) are skipped by the receivers.
/// </summary>
public static class KafkaMessageFormat
{
    public const string NamespaceHeader = "orleans-stream-namespace";
    public const string PayloadTypeHeader = "orleans-payload-type";
    public const string RequestContextHeader = "orleans-request-context";

    public const string StringPayload = "string";
    public const string BytesPayload = "bytes";
    public const string OrleansPayload = "orleans";
}
