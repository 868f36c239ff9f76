using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Streaming.Kafka;

/// <summary>Routes librdkafka's own log lines and errors into the host's ILogger instead of stderr.</summary>
internal static class KafkaLogging
{
    public static void Log(ILogger logger, LogMessage message)
    {
        var level = message.Level switch
        {
            <= SyslogLevel.Error => LogLevel.Error,
            SyslogLevel.Warning => LogLevel.Warning,
            SyslogLevel.Notice => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        logger.Log(level, "librdkafka {Name} {Facility}: {Message}", message.Name, message.Facility, message.Message);
    }

    // librdkafka recovers from most errors by itself (reconnects, retries); they are worth a warning, not an exception.
    public static void Error(ILogger logger, Error error) =>
        logger.Log(error.IsFatal ? LogLevel.Error : LogLevel.Warning, "Kafka client error {Code}: {Reason}", error.Code, error.Reason);
}
