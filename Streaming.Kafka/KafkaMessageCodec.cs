using System.Text;
using Confluent.Kafka;
using Orleans.Runtime;
using Orleans.Serialization;

namespace Streaming.Kafka;

/// <summary>Turns stream events into Kafka records and back, following <see cref="KafkaMessageFormat"/>.</summary>
internal sealed class KafkaMessageCodec(Serializer serializer)
{
    private static readonly byte[] StringType = Encoding.UTF8.GetBytes(KafkaMessageFormat.StringPayload);
    private static readonly byte[] BytesType = Encoding.UTF8.GetBytes(KafkaMessageFormat.BytesPayload);
    private static readonly byte[] OrleansType = Encoding.UTF8.GetBytes(KafkaMessageFormat.OrleansPayload);

    public Message<byte[], byte[]> Encode<T>(StreamId streamId, T @event, Dictionary<string, object>? requestContext)
    {
        var (value, type) = @event switch
        {
            string text => (Encoding.UTF8.GetBytes(text), StringType),
            byte[] bytes => (bytes, BytesType),
            _ => (serializer.SerializeToArray<object?>(@event), OrleansType),
        };

        var headers = new Headers
        {
            { KafkaMessageFormat.NamespaceHeader, streamId.Namespace.ToArray() },
            { KafkaMessageFormat.PayloadTypeHeader, type },
        };
        if (requestContext is { Count: > 0 })
        {
            headers.Add(KafkaMessageFormat.RequestContextHeader, serializer.SerializeToArray(requestContext));
        }

        return new Message<byte[], byte[]> { Key = streamId.Key.ToArray(), Value = value, Headers = headers };
    }

    /// <summary>Returns null for a record that was not written by this provider (no Orleans headers).</summary>
    public KafkaBatchContainer? Decode(ConsumeResult<byte[], byte[]> record)
    {
        var message = record.Message;
        var headers = message.Headers;
        if (headers is null
            || !headers.TryGetLastBytes(KafkaMessageFormat.NamespaceHeader, out var ns)
            || !headers.TryGetLastBytes(KafkaMessageFormat.PayloadTypeHeader, out var typeBytes))
        {
            return null;
        }

        var value = message.Value ?? [];
        object? @event = Encoding.UTF8.GetString(typeBytes) switch
        {
            KafkaMessageFormat.StringPayload => Encoding.UTF8.GetString(value),
            KafkaMessageFormat.BytesPayload => value,
            KafkaMessageFormat.OrleansPayload => serializer.Deserialize<object?>(value),
            var other => throw new InvalidDataException($"Unknown {KafkaMessageFormat.PayloadTypeHeader} '{other}'."),
        };

        var requestContext = headers.TryGetLastBytes(KafkaMessageFormat.RequestContextHeader, out var contextBytes)
            ? serializer.Deserialize<Dictionary<string, object>>(contextBytes)
            : null;

        var streamId = StreamId.Create(ns, message.Key ?? []);
        return new KafkaBatchContainer(streamId, record.Offset.Value, @event, requestContext);
    }
}
