using Orleans;
using Orleans.Providers.Streams.Common;
using Orleans.Runtime;
using Orleans.Streams;

namespace Streaming.Kafka;

/// <summary>
/// One Kafka record = one stream event. The sequence token is the record's Kafka offset, which orders events
/// within the queue's partition and tells the receiver what to commit once the event is delivered.
/// Serializable because Orleans may copy batch containers between silos.
/// </summary>
[GenerateSerializer]
public sealed class KafkaBatchContainer : IBatchContainer
{
    [Id(0)] private readonly StreamId _streamId;
    [Id(1)] private readonly EventSequenceTokenV2 _token;
    [Id(2)] private readonly object? _event;
    [Id(3)] private readonly Dictionary<string, object>? _requestContext;

    public KafkaBatchContainer(StreamId streamId, long offset, object? @event, Dictionary<string, object>? requestContext)
    {
        _streamId = streamId;
        _token = new EventSequenceTokenV2(offset);
        _event = @event;
        _requestContext = requestContext;
    }

    public StreamId StreamId => _streamId;

    public StreamSequenceToken SequenceToken => _token;

    /// <summary>The Kafka offset of the record within its partition.</summary>
    public long Offset => _token.SequenceNumber;

    public object? Event => _event;

    // A subscriber of another type simply sees no events here, rather than an invalid cast.
    public IEnumerable<Tuple<T, StreamSequenceToken>> GetEvents<T>() =>
        _event is T typed ? [Tuple.Create<T, StreamSequenceToken>(typed, _token)] : [];

    public bool ImportRequestContext()
    {
        if (_requestContext is not { Count: > 0 }) return false;
        foreach (var (key, value) in _requestContext)
        {
            RequestContext.Set(key, value);
        }
        return true;
    }

    public override string ToString() => $"[{nameof(KafkaBatchContainer)}: {_streamId} offset {Offset}]";
}
