using System.Net;
using System.Security.Cryptography.X509Certificates;
using Hosting;
using Hosting.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;

namespace Tests.Operations;

/// <summary>
/// ORLEANS_TLS_CERT / ORLEANS_TLS_KEY / ORLEANS_TLS_CA: silos and front ends with certificates from the cluster's
/// authority talk to each other; a cluster client with no TLS, or with a certificate from another authority, gets no
/// connection. Certificates are made here; the hosts are the real ones, in this process.
/// </summary>
public sealed class ClusterTlsTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"cluster-tls-{Guid.NewGuid():N}");
    private readonly Dictionary<string, string?> _cluster = ExternalServices.ClusterSettings($"tls-{Guid.NewGuid():N}");
    private readonly List<WebApplication> _hosts = [];
    private readonly LogCapture _siloLogs = new();
    private (string Key, string? Value)[] _trusted = [];
    private (string Key, string? Value)[] _foreign = [];

    public async Task InitializeAsync()
    {
        using var authority = TestCertificates.Authority("cluster-ca");
        using var other = TestCertificates.Authority("another-ca");
        _trusted = Files("trusted", authority, TestCertificates.Issue(authority, "node"));
        _foreign = Files("foreign", other, TestCertificates.Issue(other, "node"));
        _hosts.Add(await Hosts.StartSilo(_cluster.WithSiloPorts().With(_trusted), _siloLogs));
    }

    public async Task DisposeAsync()
    {
        foreach (var host in Enumerable.Reverse(_hosts))
        {
            await host.StopAsync();
            await host.DisposeAsync();
        }

        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Front_ends_and_silos_with_the_cluster_authority_s_certificates_serve_over_tls()
    {
        var (auth, users) = await FrontEnd(_trusted);
        var email = ApiCalls.UniqueEmail();
        var created = await Poll.Until(() => users.Register(email), r => r.StatusCode != HttpStatusCode.ServiceUnavailable, seconds: 30);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var login = await auth.Login(email, "correct horse battery");
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var token = (await login.Json()).GetProperty("accessToken").GetString();
        Assert.Equal(HttpStatusCode.OK, (await auth.Send(HttpMethod.Get, "/auth/me", token: token)).StatusCode);

        // A second silo joins over TLS: both are active members, and users placed on either are served.
        var second = await Hosts.StartSilo(_cluster.WithSiloPorts().With(_trusted));
        _hosts.Add(second);
        var management = second.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        var active = await Poll.Until(() => management.GetHosts(onlyActive: true), hosts => hosts.Count == 2, seconds: 30);
        Assert.Equal(2, active.Count);
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await users.Register(ApiCalls.UniqueEmail())).StatusCode);
        }
    }

    [Fact]
    public async Task A_cluster_client_without_tls_is_refused()
    {
        var deployment = DeploymentSettings.From(new ConfigurationBuilder().AddInMemoryCollection(_cluster).Build());
        await AssertRefused(Host.CreateDefaultBuilder().UseOrleansClient(client => client.ConfigureAuthClient(deployment)).Build());
    }

    [Fact]
    public async Task A_cluster_client_with_a_certificate_from_another_authority_is_refused_by_the_silo()
    {
        // This client would accept any silo: only the silo's check of the client's certificate can stop it.
        var deployment = DeploymentSettings.From(new ConfigurationBuilder().AddInMemoryCollection(_cluster).Build());
        var (certificate, key) = (_foreign[0].Value!, _foreign[1].Value!);
        await AssertRefused(Host.CreateDefaultBuilder()
            .UseOrleansClient(client => client.ConfigureAuthClient(deployment)
                .UseTls(X509Certificate2.CreateFromPemFile(certificate, key), o => o.AllowAnyRemoteCertificate()))
            .Build());
    }

    /// <summary>
    /// The silo refuses the client's TLS handshake (its TLS middleware logs each refusal), and the client, which keeps
    /// retrying the gateway, never gets to start. A front end in its place would never serve.
    /// </summary>
    private async Task AssertRefused(IHost client)
    {
        var start = client.StartAsync();
        var refused = await Poll.Until(
            () => Task.FromResult(_siloLogs.Lines.Any(line => line.Contains("TlsServerConnectionMiddleware: Authentication failed"))),
            found => found,
            seconds: 30);
        Assert.True(refused, "the silo logged no refused handshake");
        Assert.False(start.IsCompletedSuccessfully, "the client connected");
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await client.StopAsync(stopping.Token);
        }
        catch (OperationCanceledException)
        {
            // Stopped while still trying to connect.
        }

        await Task.WhenAny(start, Task.Delay(TimeSpan.FromSeconds(10)));
        client.Dispose();
    }

    private async Task<(HttpClient Auth, HttpClient Users)> FrontEnd((string Key, string? Value)[] tls)
    {
        var (auth, users) = (FreePort.Next(), FreePort.Next());
        // A front end that cannot reach the cluster waits for it before it listens: bounded, so a refusal fails the test.
        var start = Hosts.StartApi(_cluster.With(("API_ROLE", "all"), ("AUTH_PORT", auth.ToString()), ("USER_PORT", users.ToString())).With(tls));
        _hosts.Add(await start.WaitAsync(TimeSpan.FromSeconds(60)));
        return (new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{auth}") }, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{users}") });
    }

    private (string Key, string? Value)[] Files(string name, X509Certificate2 authority, X509Certificate2 node)
    {
        var directory = Path.Combine(_dir, name);
        var authorityPem = TestCertificates.WritePem(authority, directory, "ca").Certificate;
        var (certificate, key) = TestCertificates.WritePem(node, directory, "node");
        node.Dispose();
        return [("ORLEANS_TLS_CERT", certificate), ("ORLEANS_TLS_KEY", key), ("ORLEANS_TLS_CA", authorityPem)];
    }
}
