using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Api.Hosting;
using Hosting.Configuration;
using Microsoft.Extensions.Configuration;
using YamlDotNet.RepresentationModel;

namespace Tests.Operations;

/// <summary>
/// docker-compose.yml cannot run here (no Docker engine), so what `docker compose config` would show is
/// read from the file and held to the contract: the services and their health, the proxy in front of
/// scalable front ends, the secrets it refuses, Kafka's volume and host listener, and the same settings
/// scripts/cluster.sh gives the processes.
/// </summary>
public sealed partial class ComposeTests
{
    private static readonly string Root = RepositoryRoot.Path;
    private static readonly string ComposeText = File.ReadAllText(Path.Combine(Root, "docker-compose.yml"));
    private static readonly YamlMappingNode Compose = LoadCompose();
    private static readonly YamlMappingNode Services = (YamlMappingNode)Compose["services"];
    private static readonly string[] LongRunning = ["postgres", "redis", "kafka", "silo", "auth-api", "user-api", "proxy", "mailpit"];
    private static readonly string[] RequiredSecrets = ["JWT_SECRET", "POSTGRES_PASSWORD", "REDIS_PASSWORD"];

    [Fact]
    public void Every_service_of_the_topology_is_there_and_every_long_running_one_has_a_health_check()
    {
        Assert.Equal(LongRunning.Append("secrets-check").Order(), Services.Children.Keys.Select(k => k.ToString()).Order());
        Assert.All(LongRunning, s => Assert.True(Service(s).Children.ContainsKey("healthcheck"), $"{s} has no health check"));
    }

    [Theory]
    [InlineData("silo", "postgres", "service_healthy")]
    [InlineData("silo", "redis", "service_healthy")]
    [InlineData("silo", "kafka", "service_healthy")]
    [InlineData("auth-api", "silo", "service_healthy")]
    [InlineData("user-api", "silo", "service_healthy")]
    [InlineData("proxy", "auth-api", "service_healthy")]
    [InlineData("proxy", "user-api", "service_healthy")]
    [InlineData("silo", "secrets-check", "service_completed_successfully")]
    [InlineData("auth-api", "secrets-check", "service_completed_successfully")]
    [InlineData("user-api", "secrets-check", "service_completed_successfully")]
    [InlineData("postgres", "secrets-check", "service_completed_successfully")]
    [InlineData("redis", "secrets-check", "service_completed_successfully")]
    [InlineData("auth-api", "mailpit", "service_healthy")]
    [InlineData("user-api", "mailpit", "service_healthy")]
    public void Services_start_once_what_they_need_is_ready(string service, string dependency, string condition)
    {
        var dependsOn = (YamlMappingNode)Service(service)["depends_on"];
        Assert.Equal(condition, ((YamlMappingNode)dependsOn[dependency])["condition"].ToString());
    }

    [Fact]
    public void The_proxy_owns_the_public_ports_and_both_front_ends_scale_behind_it_on_one_image()
    {
        Assert.Equal(["3001:3001", "3002:3002"], Ports("proxy"));
        Assert.StartsWith("nginx:", Scalar("proxy", "image"));
        // No host port on a front end, or `--scale auth-api=2` could not start the second replica.
        Assert.False(Service("auth-api").Children.ContainsKey("ports"));
        Assert.False(Service("user-api").Children.ContainsKey("ports"));
        Assert.Equal(Scalar("auth-api", "image"), Scalar("user-api", "image"));
        Assert.Equal(((YamlMappingNode)Service("auth-api")["build"])["dockerfile"].ToString(), ((YamlMappingNode)Service("user-api")["build"])["dockerfile"].ToString());
        Assert.Equal("auth", Environment("auth-api")["API_ROLE"]);
        Assert.Equal("user", Environment("user-api")["API_ROLE"]);

        var proxyConf = File.ReadAllText(Path.Combine(Root, "deploy", "proxy.conf"));
        Assert.Matches(@"listen 3001;\s+location / \{\s+set \$(\w+) auth-api:3001;\s+proxy_pass http://\$\1;", proxyConf);
        Assert.Matches(@"listen 3002;\s+location / \{\s+set \$(\w+) user-api:3002;\s+proxy_pass http://\$\1;", proxyConf);
        Assert.Contains("proxy_set_header X-Forwarded-For $remote_addr;", proxyConf);
        Assert.Equal("./deploy/proxy.conf:/etc/nginx/conf.d/default.conf:ro", Sequence("proxy", "volumes").Single());
    }

    [Fact]
    public void Trusted_proxies_on_both_front_ends_name_the_proxy_address_and_nothing_else()
    {
        var proxyAddress = ((YamlMappingNode)((YamlMappingNode)Service("proxy")["networks"])["backend"])["ipv4_address"].ToString();
        var subnet = ((YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)((YamlMappingNode)((YamlMappingNode)Compose["networks"])["backend"])["ipam"])["config"])[0])["subnet"].ToString();

        Assert.Equal(proxyAddress, Environment("auth-api")["TRUSTED_PROXIES"]);
        Assert.Equal(proxyAddress, Environment("user-api")["TRUSTED_PROXIES"]);
        Assert.True(System.Net.IPNetwork.Parse(subnet).Contains(System.Net.IPAddress.Parse(proxyAddress)), $"{proxyAddress} is outside {subnet}");
    }

    [Fact]
    public void Silo_web_ports_are_not_pinned_so_silos_scale()
    {
        // host-ip::container-port: Docker picks each replica's host port.
        Assert.Equal(["127.0.0.1::8080"], Ports("silo"));
        Assert.Equal("8080", Environment("silo")["SILO_HTTP_PORT"]);
    }

    [Fact]
    public void Kafka_keeps_its_data_on_its_volume_with_a_fixed_cluster_id_and_a_listener_the_readme_uses_from_the_host()
    {
        var kafka = Environment("kafka");
        Assert.Contains("controller", kafka["KAFKA_PROCESS_ROLES"]);
        Assert.Equal($"kafka-data:{kafka["KAFKA_LOG_DIRS"]}", Sequence("kafka", "volumes").Single());
        Assert.Matches("^[A-Za-z0-9_-]{22}$", Interpolate(kafka["CLUSTER_ID"], new Dictionary<string, string>()));

        var hostListener = Regex.Match(kafka["KAFKA_ADVERTISED_LISTENERS"], @"(\w+)://localhost:(\d+)");
        Assert.True(hostListener.Success, "no listener advertised to the host");
        var port = hostListener.Groups[2].Value;
        Assert.Contains($"{hostListener.Groups[1].Value}://:{port}", kafka["KAFKA_LISTENERS"]);
        Assert.Contains($"127.0.0.1:{port}:{port}", Ports("kafka"));
        Assert.Contains($"kcat -b localhost:{port} ", File.ReadAllText(Path.Combine(Root, "README.md")));
        Assert.Equal("kafka:9092", Environment("silo")["KAFKA_BROKER"]);
        Assert.Contains("INTERNAL://kafka:9092", kafka["KAFKA_ADVERTISED_LISTENERS"]);
    }

    [Fact]
    public void Every_long_running_service_restarts_stops_gracefully_has_a_memory_limit_and_a_pinned_image()
    {
        Assert.All(LongRunning, s =>
        {
            Assert.Equal("unless-stopped", Scalar(s, "restart"));
            Assert.Matches(@"^\d+s$", Scalar(s, "stop_grace_period"));
            Assert.Matches(@"^\d+[MG]$", ((YamlMappingNode)((YamlMappingNode)((YamlMappingNode)Service(s)["deploy"])["resources"])["limits"])["memory"].ToString());
            Assert.Matches(@":v?(\d+\.\d+[\w.-]*|local)$", Scalar(s, "image"));
        });

        // The silo's host allows 30 s for a graceful stop; compose must wait longer before SIGKILL.
        Assert.True(int.Parse(Scalar("silo", "stop_grace_period").TrimEnd('s')) > 30);
        Assert.Matches(@":\d+\.\d+\.\d+", Scalar("secrets-check", "image"));
    }

    [Fact]
    public void Postgres_is_checked_over_tcp_and_redis_needs_the_password_the_cluster_is_given()
    {
        Assert.Contains("pg_isready -h 127.0.0.1", HealthTest("postgres"));
        Assert.Contains("--requirepass \"$$REDIS_PASSWORD\"", string.Join(' ', Sequence("redis", "command")));
        Assert.Contains("REDISCLI_AUTH", HealthTest("redis"));
        Assert.Equal(Environment("redis")["REDIS_PASSWORD"], Environment("silo")["REDIS_PASSWORD"]);
        Assert.Equal(Environment("redis")["REDIS_PASSWORD"], Environment("auth-api")["REDIS_PASSWORD"]);
    }

    [Fact]
    public void Compose_refuses_to_run_without_each_required_secret()
    {
        foreach (var secret in RequiredSecrets)
        {
            Assert.Matches($@"\$\{{{secret}:\?[^}}]+\}}", ComposeText);
        }
    }

    [Theory]
    [InlineData("JWT_SECRET", "", "JWT_SECRET is not set")]
    [InlineData("JWT_SECRET", "too-short-0123456789", "JWT_SECRET must be at least 32")]
    [InlineData("POSTGRES_PASSWORD", "change-me-change-me-change-me", "POSTGRES_PASSWORD is a placeholder")]
    [InlineData("REDIS_PASSWORD", "short", "REDIS_PASSWORD must be at least 16")]
    [InlineData("DASHBOARD_PASSWORD", "only-the-password-set", "DASHBOARD_USERNAME must be set")]
    [InlineData("ADMIN_EMAIL", "admin@example.com", "ADMIN_PASSWORD is not set")]
    public void The_secrets_check_refuses_a_missing_or_weak_secret_naming_it(string variable, string value, string message)
    {
        var env = StrongSecrets();
        env[variable] = value;

        var (exit, errors) = CheckSecrets(env);

        Assert.Equal(1, exit);
        Assert.Contains($"refusing to start: {message}", errors);
    }

    [Fact]
    public void The_env_example_with_only_the_required_secrets_filled_in_passes_the_check_and_configures_every_service()
    {
        var dotEnv = File.ReadLines(Path.Combine(Root, ".env.example"))
            .Where(l => l.Contains('=') && !l.TrimStart().StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim());
        Assert.Equal(RequiredSecrets.Order(), dotEnv.Where(p => p.Value.Length == 0 && RequiredSecrets.Contains(p.Key)).Select(p => p.Key).Order());
        foreach (var secret in RequiredSecrets)
        {
            dotEnv[secret] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(36));
        }

        var (exit, errors) = CheckSecrets(dotEnv);
        Assert.True(exit == 0, errors);

        // What each container's process would read, after compose interpolated it: the settings it builds from them.
        foreach (var service in new[] { "silo", "auth-api", "user-api" })
        {
            var config = new ConfigurationBuilder().AddInMemoryCollection(
                Environment(service).ToDictionary(p => p.Key, p => (string?)Interpolate(p.Value, dotEnv))).Build();
            var deployment = DeploymentSettings.From(config);
            Assert.Equal(dotEnv["REDIS_PASSWORD"], StackExchange.Redis.ConfigurationOptions.Parse(deployment.RedisConnection!).Password);
            if (service != "silo")
            {
                Assert.Equal(dotEnv["JWT_SECRET"], System.Text.Encoding.UTF8.GetString(ApiSettings.From(config, deployment).JwtSecret));
            }
        }
    }

    [Theory]
    [InlineData("silo")]
    [InlineData("auth-api")]
    [InlineData("user-api")]
    public void The_processes_script_gives_each_service_the_same_settings_as_compose(string service)
    {
        // Where a store is differs by nature (a container name against 127.0.0.1 and a free port), as do secrets;
        // a container advertises its own address, processes on one host name theirs; two front ends on one host
        // cannot share a management port as two containers do; without the proxy no address is a trusted proxy.
        var located = new HashSet<string>
        {
            "REDIS_HOST", "REDIS_PORT", "POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_USER", "POSTGRES_DB", "KAFKA_BROKER", "SMTP_HOST", "MANAGEMENT_PORT",
        };
        var secrets = new HashSet<string>
        {
            "REDIS_PASSWORD", "POSTGRES_PASSWORD", "JWT_SECRET", "JWT_SECRET_PREVIOUS", "JWT_KEY_ENCRYPTION_KEY", "INTROSPECTION_CLIENTS",
            "DASHBOARD_USERNAME", "DASHBOARD_PASSWORD", "ADMIN_EMAIL", "ADMIN_PASSWORD",
        };
        var composeOnly = new HashSet<string> { "TRUSTED_PROXIES" };
        var scriptOnly = new HashSet<string> { "ADVERTISED_IP" };
        var fromScript = ScriptEnvironment(service);
        var fromCompose = Environment(service);

        Assert.Equal(fromCompose.Keys.Except(composeOnly).Order(), fromScript.Keys.Except(scriptOnly).Order());
        foreach (var key in fromCompose.Keys.Except(composeOnly).Except(located).Except(secrets))
        {
            Assert.True(Interpolate(fromCompose[key], new Dictionary<string, string>()) == fromScript[key], $"{service} {key}: compose {fromCompose[key]}, script {fromScript[key]}");
        }

        Assert.All(fromScript.Where(p => located.Contains(p.Key) && p.Key != "SMTP_HOST"), p => Assert.NotEqual("", p.Value));
    }

    [Fact]
    public async Task The_processes_scripts_Kafka_holds_the_topics_its_silos_check_for_at_start()
    {
        // As the script starts its mock brokers: with the environment it gives a silo. The mock brokers cannot create
        // topics, so a topic a silo looks for and does not find leaves every user's events in their outbox.
        var silo = ScriptEnvironment("silo").Where(p => p.Value != "").ToDictionary();
        var bootstrapFile = Path.Combine(Path.GetTempPath(), $"mock-kafka-{Guid.NewGuid():N}");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "MockKafka.dll"));
        start.ArgumentList.Add(bootstrapFile);
        start.Environment.Clear();
        start.Environment["PATH"] = System.Environment.GetEnvironmentVariable("PATH");
        start.Environment["HOME"] = System.Environment.GetEnvironmentVariable("HOME");
        foreach (var (key, value) in silo)
        {
            start.Environment[key] = value;
        }

        using var kafka = Process.Start(start)!;
        try
        {
            var waited = Stopwatch.StartNew();
            while (!(File.Exists(bootstrapFile) && new FileInfo(bootstrapFile).Length > 0) && !kafka.HasExited && waited.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(100);
            }

            if (kafka.HasExited)
            {
                Assert.Fail($"MockKafka exited: {await kafka.StandardError.ReadToEndAsync()}");
            }

            var settings = DeploymentSettings.From(new ConfigurationBuilder().AddInMemoryCollection(silo!).Build());
            var bootstrap = await File.ReadAllTextAsync(bootstrapFile);
            Assert.Equal((null, settings.KafkaPartitions), await TopicMetadata(bootstrap, settings.KafkaTopic));
            Assert.Equal((null, 1), await TopicMetadata(bootstrap, settings.KafkaTopic + ".dlq"));
        }
        finally
        {
            kafka.Kill();
            await kafka.WaitForExitAsync();
            File.Delete(bootstrapFile);
        }
    }

    [Theory]
    [InlineData("silo")]
    [InlineData("auth-api")]
    [InlineData("user-api")]
    public void Every_setting_compose_passes_is_documented_in_the_readme(string service)
    {
        var readme = File.ReadAllText(Path.Combine(Root, "README.md"));

        Assert.All(Environment(service).Keys, key => Assert.Contains($"`{key}`", readme));
    }

    private static YamlMappingNode Service(string name) => Merged((YamlMappingNode)Services[name]);

    /// <summary>The mapping with its YAML merge keys (&lt;&lt;: *anchor) applied; its own keys win.</summary>
    private static YamlMappingNode Merged(YamlMappingNode mapping)
    {
        var result = new YamlMappingNode();
        foreach (var (key, value) in mapping.Children.Where(c => c.Key.ToString() == "<<"))
        {
            foreach (var source in value is YamlSequenceNode many ? many.Cast<YamlMappingNode>() : [(YamlMappingNode)value])
            {
                foreach (var (k, v) in Merged(source).Children)
                {
                    result.Children[k] = v;
                }
            }
        }

        foreach (var (key, value) in mapping.Children.Where(c => c.Key.ToString() != "<<"))
        {
            result.Children[key] = value;
        }

        return result;
    }

    private static string Scalar(string service, string key) => Service(service)[key].ToString();

    private static List<string> Sequence(string service, string key) => ((YamlSequenceNode)Service(service)[key]).Select(p => p.ToString()).ToList();

    private static List<string> Ports(string service) => Sequence(service, "ports");

    private static string HealthTest(string service) =>
        string.Join(' ', ((YamlSequenceNode)((YamlMappingNode)Service(service)["healthcheck"])["test"]).Select(n => n.ToString()));

    private static Dictionary<string, string> StrongSecrets() => new()
    {
        ["JWT_SECRET"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)),
        ["POSTGRES_PASSWORD"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)),
        ["REDIS_PASSWORD"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)),
    };

    /// <summary>Compose's interpolation of ${VAR}, ${VAR:-default} and ${VAR:?error} from .env values.</summary>
    private static string Interpolate(string value, IReadOnlyDictionary<string, string> dotEnv) =>
        ComposeVariable().Replace(value, m => dotEnv.GetValueOrDefault(m.Groups[1].Value) is { Length: > 0 } set
            ? set
            : m.Groups[2].Value == ":-" ? m.Groups[3].Value : "");

    /// <summary>A topic's error (null when it exists) and partition count as a Kafka client sees them, by kcat.</summary>
    private static async Task<(string? Error, int Partitions)> TopicMetadata(string bootstrap, string topic)
    {
        // Asked as the silo asks (no automatic creation): the mock brokers would otherwise create any topic asked about.
        var start = new ProcessStartInfo("kcat") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-L", "-J", "-X", "allow.auto.create.topics=false", "-m", "10", "-b", bootstrap, "-t", topic })
        {
            start.ArgumentList.Add(argument);
        }

        using var kcat = Process.Start(start)!;
        var output = await kcat.StandardOutput.ReadToEndAsync();
        await kcat.WaitForExitAsync();
        using var metadata = JsonDocument.Parse(output);
        var found = metadata.RootElement.GetProperty("topics").EnumerateArray().Single(t => t.GetProperty("topic").GetString() == topic);
        return (found.TryGetProperty("error", out var error) ? error.GetString() : null, found.GetProperty("partitions").GetArrayLength());
    }

    private static (int Exit, string Errors) CheckSecrets(IReadOnlyDictionary<string, string> env)
    {
        var start = new ProcessStartInfo("sh") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(Path.Combine(Root, "deploy", "check-secrets.sh"));
        start.Environment.Clear();
        start.Environment["PATH"] = System.Environment.GetEnvironmentVariable("PATH");
        foreach (var (key, value) in env)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, errors);
    }

    /// <summary>A service's environment, with YAML merge keys (&lt;&lt;: *anchor) resolved.</summary>
    private static Dictionary<string, string> Environment(string service)
    {
        var result = new Dictionary<string, string>();
        Collect((YamlMappingNode)Service(service)["environment"], result);
        return result;

        static void Collect(YamlMappingNode mapping, Dictionary<string, string> into)
        {
            foreach (var (key, value) in mapping.Children)
            {
                if (key.ToString() == "<<")
                {
                    var merged = value is YamlSequenceNode many ? many.Cast<YamlMappingNode>() : [(YamlMappingNode)value];
                    foreach (var source in merged)
                    {
                        Collect(source, into);
                    }
                }
                else
                {
                    into[key.ToString()] = value.ToString();
                }
            }
        }
    }

    private static Dictionary<string, string> ScriptEnvironment(string service)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, Environment = { ["CLUSTER_DIR"] = Path.Combine(Path.GetTempPath(), "no-cluster") } };
        start.ArgumentList.Add(Path.Combine(Root, "scripts", "cluster.sh"));
        start.ArgumentList.Add("env");
        start.ArgumentList.Add(service);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
    }

    private static YamlMappingNode LoadCompose()
    {
        var yaml = new YamlStream();
        using var reader = new StringReader(ComposeText);
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    [GeneratedRegex(@"\$\{(\w+)(:[-?])?([^}]*)\}")]
    private static partial Regex ComposeVariable();
}
