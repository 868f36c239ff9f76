using Grains.Interfaces.Sessions;

namespace Grains.Sessions;

public sealed class UserSessionsGrain(
    [PersistentState("userSessions", StorageNames.Sessions)] IPersistentState<UserSessionsState> sessions)
    : Grain, IUserSessionsGrain
{
    public async Task Add(Guid sessionId)
    {
        if (sessions.State.SessionIds.Add(sessionId))
        {
            await sessions.WriteStateAsync();
        }
    }

    public async Task Remove(Guid sessionId)
    {
        if (sessions.State.SessionIds.Remove(sessionId))
        {
            await sessions.WriteStateAsync();
        }
    }

    public async Task RevokeAll(Guid? except)
    {
        var doomed = sessions.State.SessionIds.Where(id => id != except).ToList();
        if (doomed.Count == 0)
        {
            return;
        }

        // Revoke first, forget after: a failure part-way leaves the remaining sessions listed for a retry.
        await Task.WhenAll(doomed.Select(id => GrainFactory.GetGrain<ISessionGrain>(id).RevokeFromUserList()));
        sessions.State.SessionIds.ExceptWith(doomed);
        await sessions.WriteStateAsync();
    }

    public async Task<IReadOnlyList<Guid>> List()
    {
        // Drop sessions that ended on their own (expired), so the list does not grow without bound.
        var ids = sessions.State.SessionIds.ToList();
        var infos = await Task.WhenAll(ids.Select(id => GrainFactory.GetGrain<ISessionGrain>(id).GetInfo()));
        var live = ids.Where((_, i) => infos[i] is not null).ToList();
        if (live.Count != ids.Count)
        {
            sessions.State.SessionIds = [.. live];
            await sessions.WriteStateAsync();
        }

        return live;
    }
}
