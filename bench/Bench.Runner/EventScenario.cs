using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Confluent.Kafka;

namespace Bench.Runner;

/// <summary>S4: a user write until an outside Kafka consumer reads its event.</summary>
public static class EventScenario
{
    private const int Writers = 4;

    public static async Task Run(BenchContext ctx)
    {
        var samples = ctx.Options.Samples;
        var scenario = ctx.Report.Scenario("S4", "user write → event on Kafka",
            $"{samples} `PUT /user/update/{{id}}` name changes ({Writers} writers, each on its own user, 10 ms apart) while a plain " +
            $"Confluent.Kafka consumer (its own group, assigned all {Topology.KafkaPartitions} partitions of `{Topology.KafkaTopic}` at the end, " +
            "`fetch.wait.max.ms` = 10) reads the mock cluster; latency from sending the PUT to reading the event with that user id " +
            "and version.");

        var arrivals = new ConcurrentDictionary<(Guid User, long Version), long>();
        using var stop = new CancellationTokenSource();
        var ready = new TaskCompletionSource();
        var consumer = Task.Factory.StartNew(() => Consume(ctx.Topology.Kafka.BootstrapServers, arrivals, ready, stop.Token), TaskCreationOptions.LongRunning);
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var writers = await UpdateScenario.Writers(ctx.Api, "s4", Writers);
        var sent = new ConcurrentDictionary<(Guid User, long Version), long>();
        var answered = new ConcurrentDictionary<(Guid User, long Version), long>();
        long errors = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(writers.Select((writer, index) => Task.Run(async () =>
        {
            for (var i = index; i < samples; i += Writers)
            {
                var started = Stopwatch.GetTimestamp();
                var (status, version) = await ctx.Api.Rename(writer.Id, writer.Token, writer.Version, $"Event Writer {index} {i}");
                var answeredAt = Stopwatch.GetTimestamp();
                if (status == HttpStatusCode.OK)
                {
                    sent[(writer.Id, version)] = started;
                    answered[(writer.Id, version)] = answeredAt;
                    writer.Version = version;
                }
                else
                {
                    Interlocked.Increment(ref errors);
                    (_, writer.Version) = await ctx.Api.GetUser(writer.Id, writer.Token);
                }

                await Task.Delay(10);
            }
        })));

        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30) && !sent.Keys.All(arrivals.ContainsKey))
        {
            await Task.Delay(50);
        }

        await stop.CancelAsync();
        await consumer;
        var latencies = sent.Where(s => arrivals.ContainsKey(s.Key)).Select(s => Latencies.ToMs(arrivals[s.Key] - s.Value)).ToList();
        var missing = sent.Count - latencies.Count;
        var result = new Latencies(latencies, errors + missing, clock.Elapsed);
        scenario.Add(new ResultRow("PUT /user/update → event read by an outside consumer", Report.Rate(samples / clock.Elapsed.TotalSeconds, "writes/s (paced)"),
            Report.Ms(result.P50), Report.Ms(result.P99), $"{errors} failed writes, {missing} events not seen in 30 s", "", "", "p99 ≤ 100 ms",
            result.P99 <= 100 && result.Errors == 0));
        var afterAnswer = new Latencies(answered.Where(a => arrivals.ContainsKey(a.Key)).Select(a => Latencies.ToMs(arrivals[a.Key] - a.Value)), 0, clock.Elapsed);
        var put = new Latencies(sent.Select(s => Latencies.ToMs(answered[s.Key] - s.Value)), 0, clock.Elapsed);
        scenario.Add(new ResultRow("diagnosis: the PUT itself (send → 200)", "", Report.Ms(put.P50), Report.Ms(put.P99), ""));
        scenario.Add(new ResultRow("diagnosis: PUT answered → event read", "", Report.Ms(afterAnswer.P50), Report.Ms(afterAnswer.P99), ""));
        scenario.Note($"end to end: p90 {Report.Ms(result.Percentile(0.90))}, p95 {Report.Ms(result.Percentile(0.95))}, max {Report.Ms(result.Max)}; PUT alone: max {Report.Ms(put.Max)}; after the answer: max {Report.Ms(afterAnswer.Max)}.");
    }

    private static void Consume(string brokers, ConcurrentDictionary<(Guid, long), long> arrivals, TaskCompletionSource ready, CancellationToken stop)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = brokers,
            GroupId = $"bench-outside-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            // librdkafka's mock broker answers a fetch only when its wait runs out, so keep the wait short.
            FetchWaitMaxMs = 10,
        }).Build();
        consumer.Assign(Enumerable.Range(0, Topology.KafkaPartitions).Select(p => new TopicPartitionOffset(Topology.KafkaTopic, p, Offset.End)));
        var started = Stopwatch.StartNew();
        while (!stop.IsCancellationRequested)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(50));
            var at = Stopwatch.GetTimestamp();
            // Give the assignment a moment to resolve "end" into offsets before any write is measured.
            if (started.Elapsed > TimeSpan.FromSeconds(1))
            {
                ready.TrySetResult();
            }

            if (result is not { IsPartitionEOF: false, Message.Value: { } value })
            {
                continue;
            }

            using var json = JsonDocument.Parse(value);
            if (json.RootElement.TryGetProperty("userId", out var user) && user.TryGetGuid(out var userId)
                && json.RootElement.TryGetProperty("version", out var version) && version.TryGetInt64(out var v))
            {
                arrivals.TryAdd((userId, v), at);
            }
        }
    }
}
