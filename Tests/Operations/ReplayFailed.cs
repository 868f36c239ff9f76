namespace Tests.Operations;

/// <summary>An instruction of a replayed Dockerfile that the engine would fail on; the message names it.</summary>
public sealed class ReplayFailed(string message) : Exception(message);
