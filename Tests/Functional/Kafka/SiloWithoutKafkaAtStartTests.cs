using System.Net;
using Confluent.Kafka;
using Grains.Interfaces.Users;
using Microsoft.AspNetCore.Builder;
using Streaming.Kafka.Testing;
using Tests.Http;
using Tests.Infrastructure;

namespace Tests.Kafka;

/// <summary>
/// A silo (re)started while Kafka is unreachable: it used to exit ("Failed while waiting for controller").
/// Now it starts, serves sign-ups and logins, says it is degraded, and every event arrives once Kafka is back.
/// </summary>
public sealed class SiloWithoutKafkaAtStartTests : IAsyncLifetime
{
    private const string Password = "first passphrase 1";

    private readonly MockKafkaCluster _kafka = MockKafkaCluster.Start(3);
    private readonly List<WebApplication> _hosts = [];
    private readonly HttpClient _silo = new();
    private readonly HttpClient _auth = new();
    private readonly HttpClient _users = new();

    public async Task InitializeAsync()
    {
        _kafka.CreateStreamTopics(KafkaFrontEndsFixture.Topic, KafkaFrontEndsFixture.Partitions);
        _kafka.SetBrokerDown();
        var cluster = ExternalServices.ClusterSettings($"nokafka-{Guid.NewGuid():N}").With(
            ("KAFKA_BROKER", _kafka.BootstrapServers),
            ("KAFKA_TOPIC", KafkaFrontEndsFixture.Topic),
            ("KAFKA_PARTITIONS", KafkaFrontEndsFixture.Partitions.ToString()));
        var silo = cluster.WithSiloPorts();
        _hosts.Add(await Hosts.StartSilo(silo));
        var (authPort, userPort) = (FreePort.Next(), FreePort.Next());
        _hosts.Add(await Hosts.StartApi(cluster.With(("API_ROLE", "auth"), ("AUTH_PORT", authPort.ToString()))));
        _hosts.Add(await Hosts.StartApi(cluster.With(("API_ROLE", "user"), ("USER_PORT", userPort.ToString()))));
        _silo.BaseAddress = new Uri($"http://127.0.0.1:{silo["SILO_HTTP_PORT"]}");
        _auth.BaseAddress = new Uri($"http://127.0.0.1:{authPort}");
        _users.BaseAddress = new Uri($"http://127.0.0.1:{userPort}");
    }

    public async Task DisposeAsync()
    {
        _kafka.SetBrokerUp();
        foreach (var client in new[] { _silo, _auth, _users }) client.Dispose();
        foreach (var host in Enumerable.Reverse(_hosts))
        {
            await host.StopAsync();
            await host.DisposeAsync();
        }

        await _kafka.DisposeAsync();
    }

    [Fact]
    public async Task Sign_ups_and_logins_work_while_Kafka_is_down_and_their_events_arrive_once_it_is_back()
    {
        var users = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var email = ApiCalls.UniqueEmail();
            var signUp = await _users.Register(email, Password);
            Assert.Equal(HttpStatusCode.Created, signUp.StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await _auth.Login(email, Password)).StatusCode);
            users.Add((await signUp.Json()).GetProperty("id").GetGuid());
        }

        // Still in rotation (200), but saying that events are held back.
        var health = await _silo.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Degraded", await health.Content.ReadAsStringAsync());

        _kafka.SetBrokerUp();
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = _kafka.BootstrapServers,
            GroupId = $"outside-{Guid.NewGuid():N}",
            EnablePartitionEof = true,
            FetchWaitMaxMs = 10,
        }).Build();
        // The outboxes retry every 5 s; the silo's breaker closes once its probe gets an answer.
        await Poll.Until(() => Task.FromResult(ReadCreated(consumer)), seen => users.All(u => seen.ContainsKey(u.ToString())), seconds: 90);
        var all = ReadCreated(consumer);
        Assert.All(users, u => Assert.Equal(1, all[u.ToString()]));
    }

    /// <summary>user.created records per key on the whole topic, read to every partition's end.</summary>
    private static Dictionary<string, int> ReadCreated(IConsumer<string, string> consumer)
    {
        consumer.Assign(Enumerable.Range(0, KafkaFrontEndsFixture.Partitions).Select(p => new TopicPartitionOffset(KafkaFrontEndsFixture.Topic, p, Offset.Beginning)));
        var counts = new Dictionary<string, int>();
        var ended = new HashSet<int>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (ended.Count < KafkaFrontEndsFixture.Partitions && DateTime.UtcNow < deadline)
        {
            switch (consumer.Consume(TimeSpan.FromMilliseconds(200)))
            {
                case { IsPartitionEOF: true } end:
                    ended.Add(end.Partition.Value);
                    break;
                case { } record when UserEvent.FromJson(record.Message.Value).Type == UserEvent.Created:
                    counts[record.Message.Key] = counts.GetValueOrDefault(record.Message.Key) + 1;
                    break;
            }
        }

        return ended.Count == KafkaFrontEndsFixture.Partitions ? counts : [];
    }
}
