namespace Grains.Sessions;

[GenerateSerializer]
public sealed class UserSessionsState
{
    [Id(0)] public HashSet<Guid> SessionIds { get; set; } = [];
}
