namespace Grains.Users;

[GenerateSerializer]
public sealed class AdminBootstrapState
{
    /// <summary>The admin the bootstrap created or found; set once.</summary>
    [Id(0)] public Guid? AdminId { get; set; }
}
