using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Streaming.Kafka;

/// <summary>
/// Runs in the background for the provider's lifetime, so that a silo starts and serves while Kafka is away:
/// first it checks (or creates) the topic and its dead-letter topic, retrying until Kafka answers; afterwards,
/// whenever publishing is degraded, it probes the brokers until they answer again.
/// </summary>
internal sealed class KafkaAvailabilityMonitor : IDisposable
{
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(30);

    private readonly KafkaStreamOptions _options;
    private readonly string _clientId;
    private readonly KafkaPublishingStatus _status;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();

    public KafkaAvailabilityMonitor(KafkaStreamOptions options, string clientId, KafkaPublishingStatus status, ILogger logger)
    {
        _options = options;
        _clientId = clientId;
        _status = status;
        _logger = logger;
        _ = Task.Run(() => Run(_stop.Token));
    }

    private async Task Run(CancellationToken stop)
    {
        var retry = ProbeInterval;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (!_status.TopicConfirmed)
                {
                    await KafkaTopicInitializer.EnsureTopicAsync(_options, _clientId, _logger, stop);
                    _status.Recovered();
                    _logger.LogInformation("Kafka topic {Topic} confirmed; publishing is on", _options.Topic);
                }
                else if (!_status.CanPublish)
                {
                    await KafkaTopicInitializer.ProbeAsync(_options, _clientId, _logger, stop);
                    _status.Recovered();
                    _logger.LogInformation("Kafka answers again; publishing to {Topic} resumes", _options.Topic);
                }

                retry = ProbeInterval;
                await Task.Delay(ProbeInterval, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A wrong partition count is as fatal as before, but it must not stop the silo serving logins.
                _status.Degraded(e.Message);
                _logger.LogWarning("Kafka is not usable for {Topic} ({Reason}); events wait in their outboxes, next try in {Retry}", _options.Topic, e.Message, retry);
                await Task.Delay(retry, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, MaxRetry.Ticks));
            }
        }
    }

    // Not waited for: a metadata call in flight may take AdminTimeout to return, and its answer no longer matters.
    public void Dispose() => _stop.Cancel();
}
