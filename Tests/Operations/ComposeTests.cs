using System.Diagnostics;
using YamlDotNet.RepresentationModel;

namespace Tests.Operations;

/// <summary>
/// docker-compose.yml cannot run here (no Docker engine), so it is read and held to SPEC §3/§7 and to
/// scripts/cluster.sh, which starts the same topology as processes.
/// </summary>
public sealed class ComposeTests
{
    private static readonly string Root = FindRoot();
    private static readonly YamlMappingNode Services = LoadServices();

    [Fact]
    public void Every_service_of_the_topology_is_there_with_a_health_check()
    {
        Assert.Equal(
            new[] { "auth-api", "kafka", "mailpit", "postgres", "redis", "silo", "user-api" },
            Services.Children.Keys.Select(k => k.ToString()).Order());
        Assert.All(Services.Children, s => Assert.True(Service(s.Key.ToString()).Children.ContainsKey("healthcheck"), $"{s.Key} has no health check"));
    }

    [Theory]
    [InlineData("silo", "postgres")]
    [InlineData("silo", "redis")]
    [InlineData("silo", "kafka")]
    [InlineData("auth-api", "silo")]
    [InlineData("user-api", "silo")]
    [InlineData("auth-api", "mailpit")]
    [InlineData("user-api", "mailpit")]
    public void Services_start_once_what_they_need_is_healthy(string service, string dependency)
    {
        var dependsOn = (YamlMappingNode)Service(service)["depends_on"];
        Assert.Equal("service_healthy", ((YamlMappingNode)dependsOn[dependency])["condition"].ToString());
    }

    [Fact]
    public void The_front_ends_keep_the_public_ports_and_silos_stay_scalable()
    {
        Assert.Equal(["3001:3001"], Ports("auth-api"));
        Assert.Equal(["3002:3002"], Ports("user-api"));
        // A range, not one fixed host port, or `--scale silo=3` could not start the second replica.
        Assert.All(Ports("silo"), p => Assert.Matches(@"^\d+-\d+:8080$", p));
        Assert.Equal("auth", Environment("auth-api")["API_ROLE"]);
        Assert.Equal("user", Environment("user-api")["API_ROLE"]);
    }

    [Fact]
    public void Kafka_runs_in_kraft_mode_and_data_outlives_containers()
    {
        var kafka = Environment("kafka");
        Assert.StartsWith("apache/kafka", Service("kafka")["image"].ToString());
        Assert.Contains("controller", kafka["KAFKA_PROCESS_ROLES"]);
        Assert.DoesNotContain(Services.Children.Keys, k => k.ToString().Contains("zookeeper"));
        Assert.Contains("--appendonly", ((YamlSequenceNode)Service("redis")["command"]).Select(n => n.ToString()));
        Assert.All(new[] { "postgres", "redis", "kafka" }, s => Assert.True(Service(s).Children.ContainsKey("volumes"), $"{s} keeps no volume"));
    }

    [Theory]
    [InlineData("silo")]
    [InlineData("auth-api")]
    [InlineData("user-api")]
    public void The_processes_script_gives_each_service_the_same_settings_as_compose(string service)
    {
        // A container advertises its own address; processes on one host must name theirs.
        var processOnly = new HashSet<string> { "ADVERTISED_IP" };

        var fromScript = ScriptEnvironment(service).Except(processOnly);

        Assert.Equal(Environment(service).Keys.Order(), fromScript.Order());
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

    private static YamlMappingNode Service(string name) => (YamlMappingNode)Services[name];

    private static List<string> Ports(string service) =>
        ((YamlSequenceNode)Service(service)["ports"]).Select(p => p.ToString()).ToList();

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

    private static IEnumerable<string> ScriptEnvironment(string service)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, Environment = { ["CLUSTER_DIR"] = Path.Combine(Path.GetTempPath(), "no-cluster") } };
        start.ArgumentList.Add(Path.Combine(Root, "scripts", "cluster.sh"));
        start.ArgumentList.Add("env");
        start.ArgumentList.Add(service);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('=')[0]).ToList();
    }

    private static YamlMappingNode LoadServices()
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Root, "docker-compose.yml"));
        yaml.Load(reader);
        return (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["services"];
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "docker-compose.yml")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("docker-compose.yml not found above the test binaries.");
    }
}
