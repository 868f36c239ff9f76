using System.Text.Json;

namespace Tests.Operations;

/// <summary>
/// The images, built as the engine would build them (<see cref="DockerfileReplay"/>): each Dockerfile's
/// COPY lines must bring everything its RUN lines need, and the final stage must hold what it starts.
/// </summary>
public sealed class ImageTests(ImageTests.Images images) : IClassFixture<ImageTests.Images>
{
    [Theory]
    [InlineData("Silo/Dockerfile", "Silo.dll")]
    [InlineData("Api/Dockerfile", "Api.dll")]
    public async Task Each_image_builds_from_what_its_dockerfile_copies_and_holds_its_entrypoint(string dockerfile, string dll)
    {
        var final = (await images.Of(dockerfile)).Final;

        Assert.Equal(["dotnet", dll], final.Entrypoint);
        Assert.Contains(dll, final.Files);
    }

    [Theory]
    [InlineData("Silo/Dockerfile", "Silo")]
    [InlineData("Api/Dockerfile", "Api")]
    public async Task Each_image_runs_as_a_non_root_user_on_a_chiseled_runtime_built_for_a_runtime_identifier(string dockerfile, string app)
    {
        var final = (await images.Of(dockerfile)).Final;

        Assert.Matches(@"^mcr\.microsoft\.com/dotnet/aspnet:[\w.]+-noble-chiseled$", final.BaseImage);
        Assert.NotNull(final.User);
        Assert.DoesNotMatch(@"^(root|0)(:|$)", final.User);
        using var deps = JsonDocument.Parse(File.ReadAllText(Path.Combine(final.Root, final.WorkDir.TrimStart('/'), $"{app}.deps.json")));
        Assert.EndsWith("/linux-x64", deps.RootElement.GetProperty("runtimeTarget").GetProperty("name").GetString());
    }

    [Fact]
    public async Task The_front_end_image_holds_no_silo_grain_implementation_store_driver_or_dashboard()
    {
        var files = (await images.Of("Api/Dockerfile")).Final.Files.Select(Path.GetFileName).ToList();

        Assert.Contains("Grains.Interfaces.dll", files);
        Assert.DoesNotContain(files, f => f is "Silo.dll" or "Grains.dll" or "Npgsql.dll" or "Streaming.Kafka.dll" or "Confluent.Kafka.dll"
            || f!.StartsWith("Orleans.Dashboard", StringComparison.Ordinal)
            || f.StartsWith("Orleans.Persistence", StringComparison.Ordinal)
            || f.StartsWith("Orleans.Reminders", StringComparison.Ordinal)
            || f.StartsWith("Orleans.Server", StringComparison.Ordinal));
    }

    /// <summary>Each Dockerfile is replayed once for the class (a replay is a restore and a Release publish).</summary>
    public sealed class Images : IDisposable
    {
        private readonly Dictionary<string, Task<DockerfileReplay>> _built = [];
        private readonly SemaphoreSlim _oneAtATime = new(1);

        public Task<DockerfileReplay> Of(string dockerfile)
        {
            lock (_built)
            {
                if (!_built.TryGetValue(dockerfile, out var replay))
                {
                    _built[dockerfile] = replay = Replay(dockerfile);
                }

                return replay;
            }
        }

        public void Dispose()
        {
            foreach (var replay in _built.Values.Where(r => r.IsCompletedSuccessfully))
            {
                replay.Result.Dispose();
            }
        }

        private async Task<DockerfileReplay> Replay(string dockerfile)
        {
            await _oneAtATime.WaitAsync();
            try
            {
                return await DockerfileReplay.Run(RepositoryRoot.Path, dockerfile);
            }
            finally
            {
                _oneAtATime.Release();
            }
        }
    }
}
