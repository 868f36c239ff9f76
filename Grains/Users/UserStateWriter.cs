using Orleans.Serialization;

namespace Grains.Users;

/// <summary>
/// Group commit for one user's state. Calls change <see cref="Working"/>, then await <see cref="WriteAsync"/>: the
/// first starts a write at once; changes made while it is in flight are stored together by the next write, and
/// each caller resumes only after a write that carries its change. Every write stores a private copy, so the
/// storage provider may serialise it on any thread while calls go on changing the working state, and
/// <see cref="Stored"/> is exactly what storage confirmed.
/// </summary>
internal sealed class UserStateWriter(IPersistentState<UserState> store, DeepCopier<UserState> copier, Func<Task> afterWrite)
{
    private TaskCompletionSource? _next;
    private bool _writing;
    private Exception? _failed;

    /// <summary>The state calls read and change; ahead of <see cref="Stored"/> only while a write is due.</summary>
    public UserState Working { get; set; } = null!;

    /// <summary>The last state storage confirmed (or the one read at activation). Never changed in place.</summary>
    public UserState Stored { get; private set; } = null!;

    /// <summary>Runs just before each write takes its copy (the outbox drops events already published).</summary>
    public Action? BeforeWrite { get; init; }

    /// <summary>Runs when a write failed: the activation must go, so that the next one reads what storage holds.</summary>
    public Action? Failed { get; init; }

    /// <summary>Starts from the stored state; called once the activation has read it.</summary>
    public void Load()
    {
        Stored = store.State;
        Working = copier.Copy(store.State);
    }

    /// <summary>
    /// Completes once a write that includes every change made so far is stored (and <c>afterWrite</c> ran).
    /// After a failed write the outcome is unknown, so every later write fails too: the grain must reload.
    /// </summary>
    public Task WriteAsync()
    {
        if (_failed is not null)
        {
            return Task.FromException(new InvalidOperationException("An earlier write of this user's state failed; the grain reloads it.", _failed));
        }

        var batch = _next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_writing)
        {
            _ = Drain();
        }

        return batch.Task;
    }

    private async Task Drain()
    {
        _writing = true;
        try
        {
            while (_next is { } batch)
            {
                _next = null;
                try
                {
                    BeforeWrite?.Invoke();
                    store.State = copier.Copy(Working);
                    await store.WriteStateAsync();
                    Stored = store.State;
                }
                catch (Exception e)
                {
                    _failed = e;
                    Failed?.Invoke();
                    batch.SetException(e);
                    _next?.SetException(e);
                    _next = null;
                    return;
                }

                try
                {
                    await afterWrite();
                    batch.SetResult();
                }
                catch (Exception e)
                {
                    // Stored, but what follows the write failed: these callers hear of it, later writes go on.
                    batch.SetException(e);
                }
            }
        }
        finally
        {
            _writing = false;
        }
    }
}
