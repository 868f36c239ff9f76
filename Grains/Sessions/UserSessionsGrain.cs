using Orleans.Configuration;
using Grains.Interfaces.Sessions;

namespace Grains.Sessions;

/// <summary>
/// A user's session list is needed only at login, logout and when sessions are listed or revoked together, so it
/// leaves memory after <see cref="IdleMinutes"/> instead of the default collection age: otherwise every active
/// session would hold a second activation (about 2.3 KB) for its user's list. The next call reads it back from storage.
/// (Deactivating after every call instead makes parallel logins of one user race its deactivation.)
/// </summary>
[CollectionAgeLimit(Minutes = IdleMinutes)]
public sealed class UserSessionsGrain(
    [PersistentState("userSessions", StorageNames.Sessions)] IPersistentState<UserSessionsState> sessions)
    : Grain, IUserSessionsGrain
{
    /// <summary>Above the runtime's one-minute collection quantum, so the limit is honoured as written.</summary>
    public const double IdleMinutes = 2;

    public async Task Add(Guid sessionId)
    {
        if (sessions.State.SessionIds.Add(sessionId))
        {
            await sessions.WriteStateAsync();
        }
    }

    public async Task Forget(Guid sessionId)
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

    public async Task<IReadOnlyList<SessionInfo>> List()
    {
        var infos = await Task.WhenAll(sessions.State.SessionIds.Select(id => GrainFactory.GetGrain<ISessionGrain>(id).GetInfo()));
        var live = infos.OfType<SessionInfo>().OrderBy(s => s.CreatedAt).ToList();

        // Sessions that expired on their own are dropped here, so the list does not grow without bound.
        if (live.Count != sessions.State.SessionIds.Count)
        {
            sessions.State.SessionIds = [.. live.Select(s => s.Id)];
            await sessions.WriteStateAsync();
        }

        return live;
    }
}
