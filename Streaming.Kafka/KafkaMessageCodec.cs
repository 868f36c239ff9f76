using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Serialization;

namespace Streaming.Kafka;

/// <summary>Turns stream events into Kafka records and back, following <see cref="KafkaMessageFormat"/>.</summary>
internal sealed class KafkaMessageCodec(
    Serializer serializer,
    Func<StreamId, object?, IEnumerable<KeyValuePair<string, byte[]>>>? recordHeaders,
    ILogger<KafkaMessageCodec> logger)
{
    private static readonly byte[] StringType = Encoding.UTF8.GetBytes(KafkaMessageFormat.StringPayload);
    private static readonly byte[] BytesType = Encoding.UTF8.GetBytes(KafkaMessageFormat.BytesPayload);
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
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
        foreach (var (name, bytes) in recordHeaders?.Invoke(streamId, @event) ?? [])
        {
            headers.Add(name, bytes);
        }

        if (requestContext is { Count: > 0 })
        {
            headers.Add(KafkaMessageFormat.RequestContextHeader, serializer.SerializeToArray(requestContext));
        }

        return new Message<byte[], byte[]> { Key = streamId.Key.ToArray(), Value = value, Headers = headers };
    }

    /// <summary>
    /// Returns null for a record that was not written by this provider (no Orleans headers); throws
    /// <see cref="InvalidDataException"/> for a payload that cannot be decoded (a poison record).
    /// </summary>
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
        var @event = DecodePayload(Encoding.UTF8.GetString(typeBytes), value);
        var requestContext = headers.TryGetLastBytes(KafkaMessageFormat.RequestContextHeader, out var contextBytes)
            ? DecodeContext(record, contextBytes)
            : null;

        var streamId = StreamId.Create(ns, message.Key ?? []);
        return new KafkaBatchContainer(streamId, record.Offset.Value, @event, requestContext);
    }

    private object? DecodePayload(string type, byte[] value)
    {
        try
        {
            return type switch
            {
                // Strict UTF-8: invalid bytes are a broken record, not text to deliver with replacement characters.
                KafkaMessageFormat.StringPayload => StrictUtf8.GetString(value),
                KafkaMessageFormat.BytesPayload => value,
                KafkaMessageFormat.OrleansPayload => serializer.Deserialize<object?>(value),
                _ => throw new InvalidDataException($"unknown {KafkaMessageFormat.PayloadTypeHeader} '{type}'"),
            };
        }
        catch (Exception e) when (e is not InvalidDataException)
        {
            throw new InvalidDataException($"the {type} payload cannot be decoded ({e.GetType().Name})", e);
        }
    }

    // The context is a courtesy (tracing and the like): a broken one must not take a valid event down with it.
    private Dictionary<string, object>? DecodeContext(ConsumeResult<byte[], byte[]> record, byte[] contextBytes)
    {
        try
        {
            return serializer.Deserialize<Dictionary<string, object>>(contextBytes);
        }
        catch (Exception e)
        {
            logger.LogWarning("Record {TopicPartitionOffset} has an undecodable {Header} ({Error}); delivering its event without it",
                record.TopicPartitionOffset, KafkaMessageFormat.RequestContextHeader, e.GetType().Name);
            return null;
        }
    }
}
