using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Tests.Infrastructure;

namespace Tests.Tokens;

/// <summary>
/// Two services nobody here wrote, each its own process and each given only the Auth API's URL: an
/// ASP.NET Core app with stock JwtBearer (Tests/Functional/Interop/JwtConsumer) and a Node script with jose's
/// createRemoteJWKSet + jwtVerify (Tests/Functional/Interop/jose, whose packages test.sh installs with npm ci).
/// Both stay up, so they must pick up a rotation on their own.
/// </summary>
public sealed class OutsideVerifiers : IAsyncDisposable
{
    private readonly Process _aspNet;
    private readonly Process _jose;
    private readonly HttpClient _http;
    private readonly SemaphoreSlim _joseTurn = new(1, 1);

    private OutsideVerifiers(Process aspNet, int aspNetPort, Process jose)
    {
        _aspNet = aspNet;
        _jose = jose;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{aspNetPort}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public static async Task<OutsideVerifiers> Start(string authority, string audience)
    {
        var port = FreePort.Next();
        var aspNet = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "JwtConsumer.dll"), "--urls", $"http://127.0.0.1:{port}", "--Authority", authority, "--Audience", audience })
        {
            aspNet.ArgumentList.Add(argument);
        }

        var joseDirectory = JoseDirectory();
        var jose = new ProcessStartInfo("node")
        {
            WorkingDirectory = joseDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "verify.mjs", authority, audience })
        {
            jose.ArgumentList.Add(argument);
        }

        var verifiers = new OutsideVerifiers(Process.Start(aspNet)!, port, Process.Start(jose)!);
        verifiers._aspNet.BeginOutputReadLine();
        verifiers._aspNet.BeginErrorReadLine();
        await verifiers.WaitForAspNet();
        return verifiers;
    }

    public async Task<bool> AspNetAccepts(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var status = (await _http.SendAsync(request)).StatusCode;
        Assert.True(status is HttpStatusCode.OK or HttpStatusCode.Unauthorized, $"the JwtBearer app answered {status}");
        return status == HttpStatusCode.OK;
    }

    public async Task<bool> JoseAccepts(string token)
    {
        await _joseTurn.WaitAsync();
        try
        {
            await _jose.StandardInput.WriteLineAsync(token);
            await _jose.StandardInput.FlushAsync();
            var line = await _jose.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30))
                ?? throw new InvalidOperationException($"the jose script exited: {await _jose.StandardError.ReadToEndAsync()}");
            return JsonDocument.Parse(line).RootElement.GetProperty("ok").GetBoolean();
        }
        finally
        {
            _joseTurn.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        foreach (var process in new[] { _aspNet, _jose })
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
        }
    }

    private async Task WaitForAspNet()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && !_aspNet.HasExited)
        {
            try
            {
                if ((await _http.GetAsync("/ready")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        throw new InvalidOperationException("The JwtBearer app did not start.");
    }

    private static string JoseDirectory()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Orleans.sln")))
        {
            directory = directory.Parent;
        }

        var jose = Path.Combine(directory?.FullName ?? throw new InvalidOperationException("Orleans.sln not found above the test binaries."), "Tests", "Functional", "Interop", "jose");
        return Directory.Exists(Path.Combine(jose, "node_modules", "jose"))
            ? jose
            : throw new InvalidOperationException($"{jose}/node_modules/jose is missing: run ./test.sh, which installs it with npm ci.");
    }
}
