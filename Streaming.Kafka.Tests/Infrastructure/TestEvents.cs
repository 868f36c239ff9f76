namespace Streaming.Kafka.Tests.Infrastructure;

/// <summary>An event that is neither string nor bytes, so it travels Orleans-serialized.</summary>
[GenerateSerializer]
public sealed record ScoreChanged([property: Id(0)] string User, [property: Id(1)] int Score);
