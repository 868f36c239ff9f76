using System.Runtime.InteropServices;
using Streaming.Kafka.Testing;

// MockKafka FILE [BROKERS]: starts the mock cluster, writes its bootstrap servers to FILE, runs until SIGTERM or SIGINT.
if (args is not [var file, ..] || (args.Length > 1 && !int.TryParse(args[1], out _)))
{
    Console.Error.WriteLine("usage: MockKafka BOOTSTRAP_FILE [BROKERS]");
    return 2;
}

var stopped = new TaskCompletionSource();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
await using var kafka = MockKafkaCluster.Start(args.Length > 1 ? int.Parse(args[1]) : 3);
await File.WriteAllTextAsync(file, kafka.BootstrapServers);
Console.WriteLine($"mock Kafka cluster at {kafka.BootstrapServers}");
await stopped.Task;
return 0;

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stopped.TrySetResult();
}
