using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Streaming.Kafka.Tests.Infrastructure;

/// <summary>Keeps every log line of the provider (librdkafka's included), so a test can wait for something it reports.</summary>
public sealed class RecordedLogs : ILoggerProvider, ILogger
{
    private readonly ConcurrentQueue<string> _lines = new();

    public ILoggerFactory Factory() => LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Trace).AddProvider(this));

    public async Task WaitFor(Func<string, bool> match, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!_lines.Any(match))
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("The expected log line never came; last lines:\n" + string.Join("\n", _lines.TakeLast(30)));
            await Task.Delay(20);
        }
    }

    public IReadOnlyCollection<string> Lines => _lines.ToArray();

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _lines.Enqueue(formatter(state, exception));

    public void Dispose()
    {
    }
}
