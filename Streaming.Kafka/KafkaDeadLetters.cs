using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Streaming.Kafka;

/// <summary>
/// Writes records that can never be delivered to <c>&lt;topic&gt;.dlq</c>, unchanged (key, value, headers) plus the
/// reason and where they came from, so that nothing is skipped without a trace. The reason never holds the payload.
/// </summary>
internal sealed class KafkaDeadLetters(Func<IProducer<byte[], byte[]>> producer, string topic, ILogger logger)
{
    public const string Suffix = ".dlq";
    public const string ReasonHeader = "dlq-reason";
    public const string SourceHeader = "dlq-source";

    public string Topic { get; } = topic + Suffix;

    /// <summary>Completes once Kafka stored the dead letter; throws when it could not (the caller keeps the record).</summary>
    public async Task WriteAsync(ConsumeResult<byte[], byte[]> record, string reason, CancellationToken cancellationToken)
    {
        var headers = new Headers();
        foreach (var header in record.Message.Headers ?? [])
        {
            headers.Add(header.Key, header.GetValueBytes());
        }

        headers.Add(ReasonHeader, Encoding.UTF8.GetBytes(reason));
        var source = string.Create(CultureInfo.InvariantCulture, $"{record.Topic}/{record.Partition.Value}/{record.Offset.Value}");
        headers.Add(SourceHeader, Encoding.UTF8.GetBytes(source));

        await producer().ProduceAsync(Topic, new Message<byte[], byte[]> { Key = record.Message.Key, Value = record.Message.Value, Headers = headers }, cancellationToken);
        KafkaStreamMetrics.DeadLettered.Add(1);
        logger.LogError("Moved record {Source} to {DeadLetterTopic}: {Reason}", source, Topic, reason);
    }
}
