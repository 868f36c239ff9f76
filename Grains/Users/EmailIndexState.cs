namespace Grains.Users;

[GenerateSerializer]
public sealed class EmailIndexState
{
    [Id(0)] public Guid? OwnerId { get; set; }

    /// <summary>False while the owner has reserved the address but not yet stored it.</summary>
    [Id(1)] public bool Confirmed { get; set; }

    [Id(2)] public DateTimeOffset ReservedAt { get; set; }
}
