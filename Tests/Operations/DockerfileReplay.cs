using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Tests.Operations;

/// <summary>
/// Replays a Dockerfile the way the engine builds it, without an engine: every stage starts from an empty
/// root; COPY brings only what it names, from the build context (less what .dockerignore drops) or an
/// earlier stage; RUN executes with this machine's SDK standing in for the base image, its absolute paths
/// moved under the stage's root. What it checks is the files and the commands, not the base images.
/// </summary>
public sealed partial class DockerfileReplay : IDisposable
{
    private readonly string _context;
    private readonly List<Regex> _ignored;
    private readonly Dictionary<string, string> _stages = new(StringComparer.OrdinalIgnoreCase);
    private readonly string _top = Directory.CreateTempSubdirectory("dockerfile-replay.").FullName;

    private DockerfileReplay(string context)
    {
        _context = context;
        _ignored = DockerIgnore(context);
    }

    /// <summary>The last stage: its base image, user, working directory, entrypoint and files.</summary>
    public FinalStage Final { get; private set; } = null!;

    public sealed record FinalStage(string BaseImage, string? User, string WorkDir, IReadOnlyList<string> Entrypoint, string Root)
    {
        public IEnumerable<string> Files => Directory.EnumerateFiles(Path.Combine(Root, WorkDir.TrimStart('/')), "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Path.Combine(Root, WorkDir.TrimStart('/')), f));
    }

    /// <summary>Builds every stage; throws <see cref="ReplayFailed"/> naming the instruction that would fail.</summary>
    public static async Task<DockerfileReplay> Run(string context, string dockerfile, CancellationToken cancellationToken = default)
    {
        var replay = new DockerfileReplay(context);
        try
        {
            replay.Final = await replay.Build(Instructions(Path.Combine(context, dockerfile)), cancellationToken);
            return replay;
        }
        catch
        {
            replay.Dispose();
            throw;
        }
    }

    public void Dispose() => Directory.Delete(_top, recursive: true);

    private async Task<FinalStage> Build(IReadOnlyList<(string Op, string Arguments)> instructions, CancellationToken cancellationToken)
    {
        var args = new Dictionary<string, string>();
        var env = new Dictionary<string, string>();
        string? root = null, image = null, user = null;
        var workDir = "/";
        IReadOnlyList<string> entrypoint = [];
        foreach (var (op, raw) in instructions)
        {
            var rest = Substitute(raw, args, env);
            switch (op)
            {
                case "ARG":
                    var (name, value) = Split(rest);
                    args[name] = value;
                    break;
                case "FROM":
                    var parts = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    image = parts[0];
                    root = Path.Combine(_top, $"stage{_stages.Count}");
                    Directory.CreateDirectory(root);
                    _stages[parts.Length >= 3 && parts[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? parts[2] : $"{_stages.Count}"] = root;
                    (workDir, user, entrypoint) = ("/", null, []);
                    env.Clear();
                    break;
                case "WORKDIR":
                    workDir = rest.StartsWith('/') ? rest : $"{workDir.TrimEnd('/')}/{rest}";
                    Directory.CreateDirectory(Under(root!, workDir));
                    break;
                case "ENV":
                    foreach (Match m in EnvPair().Matches(rest))
                    {
                        env[m.Groups[1].Value] = m.Groups[2].Value;
                    }

                    break;
                case "USER":
                    user = rest;
                    break;
                case "COPY":
                    Copy(rest, root!, workDir);
                    break;
                case "RUN":
                    await Execute(rest, root!, workDir, env, cancellationToken);
                    break;
                case "ENTRYPOINT":
                    entrypoint = rest.StartsWith('[') ? JsonSerializer.Deserialize<string[]>(rest)! : rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    break;
            }
        }

        return new FinalStage(image ?? throw new ReplayFailed("no FROM"), user, workDir, entrypoint, root!);
    }

    private void Copy(string rest, string root, string workDir)
    {
        var words = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        var source = _context;
        var fromContext = true;
        while (words[0].StartsWith("--", StringComparison.Ordinal))
        {
            var flag = words[0];
            words.RemoveAt(0);
            if (flag.StartsWith("--from=", StringComparison.Ordinal))
            {
                source = _stages.GetValueOrDefault(flag[7..]) ?? throw new ReplayFailed($"COPY {flag}: no such stage");
                fromContext = false;
            }
        }

        var destination = words[^1];
        var target = Under(root, destination.StartsWith('/') ? destination : $"{workDir.TrimEnd('/')}/{destination}");
        foreach (var item in words[..^1])
        {
            var path = Path.Combine(source, item.TrimStart('/'));
            if (Directory.Exists(path))
            {
                CopyTree(path, target, source, fromContext);
            }
            else if (File.Exists(path) && !(fromContext && Ignored(Path.GetRelativePath(_context, path))))
            {
                var file = destination.EndsWith('/') || destination == "." ? Path.Combine(target, Path.GetFileName(path)) : target;
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                File.Copy(path, file, overwrite: true);
            }
            else
            {
                throw new ReplayFailed($"COPY {item}: not in the build context");
            }
        }
    }

    private void CopyTree(string from, string to, string sourceRoot, bool fromContext)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            if (fromContext && Ignored(Path.GetRelativePath(sourceRoot, file)))
            {
                continue;
            }

            var copy = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy, overwrite: true);
        }
    }

    private static async Task Execute(string command, string root, string workDir, Dictionary<string, string> env, CancellationToken cancellationToken)
    {
        // Absolute paths of the image (/src, /app, ...) live under the stage's root here.
        var local = AbsolutePath().Replace(command, m => m.Groups[1].Value + Under(root, m.Groups[2].Value));
        var start = new ProcessStartInfo("/bin/sh") { WorkingDirectory = Under(root, workDir), RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(local);
        foreach (var (key, value) in env)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            var tail = string.Join('\n', ((await output) + (await errors)).Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(8));
            throw new ReplayFailed($"RUN {command} failed:\n{tail}");
        }
    }

    private bool Ignored(string relative) => _ignored.Any(r => r.IsMatch(relative.Replace('\\', '/')));

    private static string Under(string root, string absolute) => Path.Combine(root, absolute.TrimStart('/'));

    private static (string Name, string Value) Split(string assignment) =>
        assignment.IndexOf('=') is var i and >= 0 ? (assignment[..i], assignment[(i + 1)..]) : (assignment, "");

    private static string Substitute(string text, Dictionary<string, string> args, Dictionary<string, string> env) =>
        Variable().Replace(text, m =>
        {
            var name = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value;
            return env.GetValueOrDefault(name) ?? args.GetValueOrDefault(name) ?? m.Value;
        });

    /// <summary>Instructions with continuation lines joined and comments dropped.</summary>
    private static List<(string Op, string Arguments)> Instructions(string dockerfile)
    {
        var result = new List<(string, string)>();
        var pending = "";
        foreach (var line in File.ReadLines(dockerfile))
        {
            if (line.TrimStart().StartsWith('#') || (pending.Length == 0 && line.Trim().Length == 0))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }

            var whole = (pending + line).Trim();
            pending = "";
            var space = whole.IndexOf(' ');
            result.Add((whole[..space].ToUpperInvariant(), whole[(space + 1)..].Trim()));
        }

        return result;
    }

    /// <summary>.dockerignore's patterns as expressions over context-relative paths (a matched directory drops all beneath it).</summary>
    private static List<Regex> DockerIgnore(string context)
    {
        var path = Path.Combine(context, ".dockerignore");
        return !File.Exists(path)
            ? []
            : File.ReadLines(path)
                .Select(l => l.Trim())
                .Where(l => l.Length > 0 && !l.StartsWith('#'))
                .Select(pattern => new Regex(
                    "^" + Regex.Escape(pattern.TrimEnd('/'))
                        .Replace(@"\*\*/", "(.*/)?")
                        .Replace(@"\*", "[^/]*")
                        .Replace(@"\?", "[^/]") + "(/.*)?$"))
                .ToList();
    }

    [GeneratedRegex(@"(\w+)=(\S+)")]
    private static partial Regex EnvPair();

    [GeneratedRegex(@"\$\{(\w+)\}|\$(\w+)")]
    private static partial Regex Variable();

    [GeneratedRegex(@"(^|[\s=])(/(?:src|app|out|publish)\b[^\s]*)")]
    private static partial Regex AbsolutePath();
}
