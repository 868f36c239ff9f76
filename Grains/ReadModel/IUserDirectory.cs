using Grains.Interfaces.Users;

namespace Grains.ReadModel;

/// <summary>Where the user read model is kept: PostgreSQL in a cluster, memory in embedded mode.</summary>
public interface IUserDirectory
{
    /// <summary>Applies an event; applying it again, or an older one, changes nothing.</summary>
    Task Apply(UserEvent userEvent, CancellationToken cancellationToken);

    Task<UserPage> Search(UserQuery query, CancellationToken cancellationToken);
}
