using System.Collections.Concurrent;
using Grains.Interfaces.Users;

namespace Grains.ReadModel;

/// <summary>The read model of embedded mode and of grain tests: per silo, gone with the process.</summary>
public sealed class InMemoryUserDirectory : IUserDirectory
{
    private readonly ConcurrentDictionary<Guid, (UserView User, bool Active)> _users = new();

    public Task Apply(UserEvent userEvent, CancellationToken cancellationToken)
    {
        var data = userEvent.Data;
        _users.AddOrUpdate(
            userEvent.UserId,
            _ => (View(userEvent, userEvent.OccurredAt), userEvent.Type != UserEvent.Deleted),
            (_, existing) => existing.User.Version > userEvent.Version
                ? existing
                : (View(userEvent, existing.User.CreatedAt), userEvent.Type != UserEvent.Deleted));
        return Task.CompletedTask;
    }

    public Task<UserPage> Search(UserQuery query, CancellationToken cancellationToken)
    {
        var matches = _users.Values
            .Where(u => u.Active && (query.Email is null || u.User.Email == EmailAddress.Normalize(query.Email)))
            .Select(u => u.User)
            .OrderBy(u => u.CreatedAt)
            .ThenBy(u => u.Id)
            .ToList();
        var page = matches.Skip((query.Page - 1) * query.PageSize).Take(query.PageSize).ToList();
        return Task.FromResult(new UserPage(page, matches.Count));
    }

    private static UserView View(UserEvent e, DateTimeOffset createdAt) =>
        new(e.UserId, e.Data.Name, e.Data.Email, e.Data.Permissions, createdAt, e.OccurredAt, e.Version);
}
