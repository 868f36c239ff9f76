using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Tests.Http;
using Tests.Infrastructure;

namespace Tests.Kafka;

/// <summary>The README's kafkajs consumer, run as written (npm install, node consumer.mjs) against the services' topic.</summary>
[Collection(KafkaFrontEnds.Name)]
public sealed class KafkajsExampleTests(KafkaFrontEndsFixture kafka)
{
    private const string Password = "first passphrase 1";

    [Fact]
    public async Task The_kafkajs_example_prints_each_of_a_users_events_once_in_order()
    {
        var email = ApiCalls.UniqueEmail();
        var created = await kafka.Users.Register(email, Password);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Json()).GetProperty("id").GetString()!;
        var token = (await (await kafka.Auth.Login(email, Password)).Json()).GetProperty("accessToken").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await kafka.Users.Send(HttpMethod.Put, $"/user/update/{id}", new { name = "Ada King" }, token)).StatusCode);

        var example = CopyExample();
        try
        {
            await Run(example, "npm", ["install", "--no-audit", "--no-fund"], TimeSpan.FromMinutes(3));
            var lines = new ConcurrentQueue<string>();
            using var node = Start(example, "node", ["consumer.mjs"], lines);
            await Poll.Until(() => Task.FromResult(lines.Count(l => l.StartsWith(id, StringComparison.Ordinal))), n => n >= 2, seconds: 60);
            node.Kill(entireProcessTree: true);
            await node.WaitForExitAsync();

            var mine = lines.Where(l => l.StartsWith(id, StringComparison.Ordinal)).Select(l => l.Split(' ')).ToList();
            Assert.Equal(["1 user.created", "2 user.updated"], mine.Select(f => $"{f[1]} {f[2]}"));
            Assert.All(mine, f => Assert.True(Guid.TryParse(f[3], out _), $"ce_id '{f[3]}'"));
        }
        finally
        {
            Directory.Delete(example, recursive: true);
        }
    }

    private static string CopyExample()
    {
        var source = Path.Combine(RepositoryRoot(), "docs", "examples", "kafkajs");
        var target = Directory.CreateTempSubdirectory("kafkajs-example-").FullName;
        foreach (var file in new[] { "consumer.mjs", "package.json" })
        {
            File.Copy(Path.Combine(source, file), Path.Combine(target, file));
        }

        return target;
    }

    private Process Start(string directory, string program, string[] arguments, ConcurrentQueue<string> lines)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["KAFKA_BROKER"] = kafka.Kafka.BootstrapServers;
        start.Environment["KAFKA_TOPIC"] = KafkaFrontEndsFixture.Topic;
        start.Environment["GROUP_ID"] = $"kafkajs-{Guid.NewGuid():N}";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task Run(string directory, string program, string[] arguments, TimeSpan timeout)
    {
        var output = new ConcurrentQueue<string>();
        using var process = Start(directory, program, arguments, output);
        using var cancel = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancel.Token);
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} failed:\n{string.Join('\n', output)}");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Orleans.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException("Orleans.sln not found above the test binaries");
    }
}
