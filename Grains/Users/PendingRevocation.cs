namespace Grains.Users;

/// <summary>Every session of the user except <see cref="Except"/> (the one that made the change) is to be revoked.</summary>
[GenerateSerializer]
public sealed class PendingRevocation
{
    [Id(0)] public Guid? Except { get; set; }

    /// <summary>Two pending revocations together spare a session only when both spare it.</summary>
    public static PendingRevocation Merge(PendingRevocation? earlier, Guid? except) =>
        new() { Except = earlier is null || earlier.Except == except ? except : null };
}
