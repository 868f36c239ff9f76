using System.Runtime.InteropServices;
using Streaming.Kafka.Testing;

// MockKafka FILE TOPIC PARTITIONS: starts three mock brokers with the topic, writes their bootstrap servers
// to FILE, runs until SIGTERM or SIGINT.
if (args is not [var file, var topic, var count] || !int.TryParse(count, out var partitions) || partitions < 1)
{
    Console.Error.WriteLine("usage: MockKafka BOOTSTRAP_FILE TOPIC PARTITIONS");
    return 2;
}

var stopped = new TaskCompletionSource();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
await using var kafka = MockKafkaCluster.Start(3);

// The mock brokers do not implement CreateTopics, so the topic exists before the silos look for it.
kafka.CreateTopic(topic, partitions);
await File.WriteAllTextAsync(file, kafka.BootstrapServers);
Console.WriteLine($"mock Kafka cluster at {kafka.BootstrapServers}");
await stopped.Task;
return 0;

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stopped.TrySetResult();
}
