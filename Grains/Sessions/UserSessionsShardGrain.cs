using Grains.Interfaces.Sessions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Storage;

namespace Grains.Sessions;

/// <summary>
/// The session lists of the users mapped to this shard, as records (<see cref="RecordShard{TState}"/>) stored where
/// and as the former per-user grain stored them ("usersessions/{userId}", state "userSessions"). A list is needed only
/// at login, logout and when sessions are listed or revoked together, so it leaves memory once idle.
/// </summary>
/// <remarks>
/// Reentrant: one list's storage I/O or revocations must not hold up another user's login, and a session revoking
/// itself calls <see cref="Forget"/> while the same list may be revoking that session (logout-all).
/// </remarks>
[Reentrant]
public sealed class UserSessionsShardGrain(
    [FromKeyedServices(StorageNames.Sessions)] IGrainStorage storage,
    [FromKeyedServices(DomainClock.ServiceKey)] TimeProvider time,
    IOptions<RecordShardOptions> options)
    : RecordShardGrain<UserSessionsState>(new RecordShard<UserSessionsState>(storage, RecordType, StateName, time), options), IUserSessionsShardGrain
{
    /// <summary>The grain type each list had as a grain of its own; part of its storage key.</summary>
    public static readonly GrainType RecordType = GrainType.Create("usersessions");

    public const string StateName = "userSessions";

    public Task Add(Guid userId, Guid sessionId, DateTimeOffset expiresAt, int keepAtMost) =>
        Records.Run(userId, async list =>
        {
            // Every login writes the list anyway, so this is where sessions past their expiry leave it, and where the
            // oldest beyond the limit are revoked: in the same write.
            var changed = list.State.ForgetExpired(time.GetUtcNow());
            changed |= list.State.Add(sessionId, expiresAt);
            if (keepAtMost > 0)
            {
                foreach (var revoked in await RevokeEach(list.State.Beyond(keepAtMost, sessionId)))
                {
                    changed |= list.State.Remove(revoked);
                }
            }

            if (changed)
            {
                await Store(list);
            }
        });

    public Task Add(Guid userId, Guid sessionId) => Add(userId, sessionId, DateTimeOffset.MaxValue, keepAtMost: 0);

    public Task Forget(Guid userId, Guid sessionId) =>
        Records.Run(userId, async list =>
        {
            if (list.State.Remove(sessionId))
            {
                await Store(list);
            }
        });

    public Task RevokeAll(Guid userId, Guid? except) =>
        Records.Run(userId, async list =>
        {
            var doomed = list.State.SessionIds.Where(id => id != except).ToList();
            if (doomed.Count == 0)
            {
                return;
            }

            // Revoke first, forget after: a failure part-way leaves the remaining sessions listed for a retry.
            await Task.WhenAll(doomed.Select(id => GrainFactory.Session(id).RevokeFromUserList()));
            doomed.ForEach(id => list.State.Remove(id));
            await Store(list);
        });

    public Task<IReadOnlyList<SessionInfo>> List(Guid userId) =>
        Records.Run<IReadOnlyList<SessionInfo>>(userId, async list =>
        {
            var infos = await Task.WhenAll(list.State.SessionIds.Select(id => GrainFactory.Session(id).GetInfo()));
            var live = infos.OfType<SessionInfo>().OrderBy(s => s.CreatedAt).ToList();

            // Sessions that ended on their own (idle, not only expired) are dropped here; those listed before expiries
            // were kept get theirs. With no session dropped, the live ones are the listed ones.
            if (live.Count != list.State.Count || !list.State.EveryExpiryKnown)
            {
                var current = new UserSessionsState();
                live.ForEach(s => current.Add(s.Id, s.ExpiresAt));
                await Records.Write(list, current);
            }

            return live;
        });

    public Task<int> ListsInMemory() => Task.FromResult(Records.InMemory);

    /// <summary>
    /// Revokes each session (forgotten by nobody yet: revoke first, forget after); the ones whose revocation failed
    /// stay listed for the next login to try again, and this login goes on.
    /// </summary>
    private async Task<IEnumerable<Guid>> RevokeEach(IReadOnlyList<Guid> sessionIds)
    {
        var revocations = sessionIds.Select(async id =>
        {
            try
            {
                await GrainFactory.Session(id).RevokeFromUserList();
                return true;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return false;
            }
        }).ToList();
        var revoked = await Task.WhenAll(revocations);
        return sessionIds.Where((_, i) => revoked[i]);
    }

    /// <summary>The list was changed in place; a failed write makes the record read back the stored list before its next use.</summary>
    private Task Store(StoredRecord<UserSessionsState> list) => Records.Write(list, list.State);
}
