namespace Grains.Interfaces.Tokens;

/// <summary>The stored ring: every key still published, oldest first. Version 0 is the empty ring.</summary>
[GenerateSerializer, Immutable]
public sealed record SigningKeyRing([property: Id(0)] int Version, [property: Id(1)] IReadOnlyList<SigningKey> Keys)
{
    public static readonly SigningKeyRing Empty = new(0, []);
}
