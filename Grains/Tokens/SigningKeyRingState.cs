using Grains.Interfaces.Tokens;

namespace Grains.Tokens;

[GenerateSerializer]
public sealed class SigningKeyRingState
{
    [Id(0)] public int Version { get; set; }
    [Id(1)] public List<SigningKey> Keys { get; set; } = [];
}
