using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Tests.Infrastructure;

namespace Tests.Http;

/// <summary>The Orleans Dashboard, loaded by a real browser (headless Chromium from Debian).</summary>
public sealed class DashboardTests : IAsyncLifetime
{
    private const string Username = "ops";
    private const string Password = "dashboard-password-for-tests";

    private readonly Dictionary<string, string?> _cluster = ExternalServices.ClusterSettings($"dash-{Guid.NewGuid():N}")
        .With(("DASHBOARD_USERNAME", Username), ("DASHBOARD_PASSWORD", Password));
    private readonly List<WebApplication> _silos = [];

    public async Task InitializeAsync()
    {
        _silos.Add(await Hosts.StartSilo(_cluster.WithSiloPorts()));
        _silos.Add(await Hosts.StartSilo(_cluster.WithSiloPorts()));
    }

    public async Task DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.StopAsync();
            await silo.DisposeAsync();
        }
    }

    [Fact]
    public async Task In_a_cluster_the_dashboard_needs_its_credentials()
    {
        using var http = new HttpClient { BaseAddress = new Uri(Origin(_silos[0])) };

        var anonymous = await http.GetAsync("/dashboard/");
        http.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String("ops:wrong"u8.ToArray()));
        var wrong = await http.GetAsync("/dashboard/");
        http.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{Username}:{Password}")));
        var right = await http.GetAsync("/dashboard/");

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, right.StatusCode);
    }

    [Fact]
    public async Task The_dashboard_page_shows_the_running_silos()
    {
        var url = $"{Origin(_silos[0]).Replace("http://", $"http://{Username}:{Password}@")}/dashboard/#/silos";
        var artifacts = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(artifacts);
        var screenshot = Path.Combine(artifacts, "dashboard.png");
        // A screenshot left by an earlier run must not stand in for this one.
        File.Delete(screenshot);

        // Silos need a moment to see each other and publish statistics.
        string dom = "";
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            dom = await Chromium("--dump-dom", url);
            if (CountSiloAddresses(dom) == 2)
            {
                break;
            }

            await Task.Delay(2000);
        }

        await Chromium($"--screenshot={screenshot}", "--window-size=1400,1000", url);
        Assert.Equal(2, CountSiloAddresses(dom));
        Assert.Matches(@"Active Silos\s*(<[^>]+>\s*)*2", dom);
        var taken = new FileInfo(screenshot);
        Assert.True(taken.Exists, "Chromium took no screenshot");
        Assert.True(taken.Length > 10_000, "the screenshot is empty");
    }

    private static string Origin(WebApplication silo) =>
        silo.Urls.Single().Replace("[::]", "127.0.0.1").Replace("0.0.0.0", "127.0.0.1");

    private int CountSiloAddresses(string dom) =>
        _silos.Count(silo => dom.Contains($"127.0.0.1:{SiloPort(silo)}", StringComparison.Ordinal));

    private int SiloPort(WebApplication silo) =>
        silo.Services.GetRequiredService<Orleans.Runtime.ILocalSiloDetails>().SiloAddress.Endpoint.Port;

    private static async Task<string> Chromium(params string[] arguments)
    {
        var start = new ProcessStartInfo("chromium")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            $"--user-data-dir={Path.Combine(Path.GetTempPath(), "chromium-" + Guid.NewGuid().ToString("N"))}",
            "--virtual-time-budget=8000",
        }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("chromium did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return await output;
    }
}
