namespace Tests.Grains;

/// <summary>A write <see cref="UncertainWrites"/> keeps in flight: <see cref="Begun"/> once it started, stored after <see cref="Release"/>.</summary>
public sealed class HeldWrite
{
    public TaskCompletionSource Begun { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
