using System.Runtime.InteropServices;
using Hosting.Configuration;
using Microsoft.Extensions.Configuration;
using Streaming.Kafka.Testing;

// MockKafka FILE: starts three mock brokers with the user-event topic and its dead-letter topic, writes their
// bootstrap servers to FILE, runs until SIGTERM or SIGINT. The topic and its partition count are read from the
// environment (KAFKA_TOPIC, KAFKA_PARTITIONS) by the silo's own settings code, so started with a silo's
// environment the mock holds exactly the topics that silo checks for at start.
if (args is not [var file])
{
    Console.Error.WriteLine("usage: MockKafka BOOTSTRAP_FILE   (topic: KAFKA_TOPIC and KAFKA_PARTITIONS, as a silo reads them)");
    return 2;
}

DeploymentSettings settings;
try
{
    settings = DeploymentSettings.From(new ConfigurationBuilder().AddEnvironmentVariables().Build());
}
catch (ConfigurationException e)
{
    // The silo's environment: a value the silo would refuse stops this too, with the silo's own message.
    return e.ReportAtExit();
}

var stopped = new TaskCompletionSource();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
await using var kafka = MockKafkaCluster.Start(3);

// The mock brokers do not implement CreateTopics, so both topics exist before the silos look for them: a silo that
// finds either missing asks to create it, never gets an answer, and keeps its users' events in their outboxes.
kafka.CreateStreamTopics(settings.KafkaTopic, settings.KafkaPartitions);
await File.WriteAllTextAsync(file, kafka.BootstrapServers);
Console.WriteLine($"mock Kafka cluster at {kafka.BootstrapServers}, topics {settings.KafkaTopic} ({settings.KafkaPartitions} partitions) and its dead letters");
await stopped.Task;
return 0;

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stopped.TrySetResult();
}
