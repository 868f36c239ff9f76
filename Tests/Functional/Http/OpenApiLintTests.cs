using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Tests.Http;

/// <summary>
/// Stoplight Spectral with its OpenAPI ruleset (.spectral.yaml) over the committed documents: no error, and no
/// warning but those README.md explains under "OpenAPI lint exceptions". Spectral comes from the lock file in
/// Tests/Functional/Interop/spectral, which test.sh installs with npm ci.
/// </summary>
public sealed partial class OpenApiLintTests
{
    private static readonly string SpectralDirectory = Path.Combine(RepositoryRoot.Path, "Tests", "Functional", "Interop", "spectral");

    [Fact]
    public async Task Spectral_finds_no_error_and_no_unexplained_warning_in_the_committed_documents()
    {
        var findings = await Lint(Path.Combine("docs", "openapi", "auth.json"), Path.Combine("docs", "openapi", "user.json"));
        var explained = ExplainedInReadme();

        var unexplained = findings
            .Where(f => f.Severity == 0 || (f.Severity == 1 && !explained.Contains(f.Code)))
            .Select(f => $"{(f.Severity == 0 ? "error" : "warning")} {f.Code} in {f.Source} at {f.Path}: {f.Message}")
            .ToList();
        Assert.True(unexplained.Count == 0, "Spectral (spectral:oas) reports:\n" + string.Join("\n", unexplained));
    }

    private sealed record Finding(string Code, int Severity, string Source, string Path, string Message);

    private static async Task<List<Finding>> Lint(params string[] documents)
    {
        var spectral = Path.Combine(SpectralDirectory, "node_modules", ".bin", "spectral");
        Assert.True(File.Exists(spectral), $"{spectral} is missing: run `npm ci --prefix Tests/Functional/Interop/spectral` (test.sh does)");

        var output = Path.GetTempFileName();
        try
        {
            var start = new ProcessStartInfo(spectral)
            {
                WorkingDirectory = RepositoryRoot.Path,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var argument in new[] { "lint", "--ruleset", ".spectral.yaml", "--format", "json", "--output", output, "--fail-severity", "error" }.Concat(documents))
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));

            // 0: nothing at error severity, 1: something is; anything else means Spectral itself could not run.
            Assert.True(process.ExitCode is 0 or 1, $"spectral exited {process.ExitCode}: {await stdout}{await stderr}");
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(output));
            return [.. json.RootElement.EnumerateArray().Select(f => new Finding(
                f.GetProperty("code").ToString(),
                f.GetProperty("severity").GetInt32(),
                Path.GetRelativePath(RepositoryRoot.Path, f.GetProperty("source").GetString() ?? ""),
                string.Join('.', f.GetProperty("path").EnumerateArray().Select(p => p.ToString())),
                f.GetProperty("message").GetString() ?? ""))];
        }
        finally
        {
            File.Delete(output);
        }
    }

    /// <summary>The rule codes README.md's "OpenAPI lint exceptions" list names, each with its reason.</summary>
    private static HashSet<string> ExplainedInReadme()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "README.md"));
        var section = SectionPattern().Match(readme);
        Assert.True(section.Success, "README.md has no \"#### OpenAPI lint exceptions\" section");
        return [.. ExceptionPattern().Matches(section.Groups[1].Value).Select(m => m.Groups[1].Value)];
    }

    [GeneratedRegex(@"#### OpenAPI lint exceptions\n(.*?)(?=\n#)", RegexOptions.Singleline)]
    private static partial Regex SectionPattern();

    [GeneratedRegex(@"^- `([a-z0-9-]+)`: \S", RegexOptions.Multiline)]
    private static partial Regex ExceptionPattern();
}
