using Grains.Interfaces.Users;
using Orleans.Concurrency;

namespace Grains.ReadModel;

/// <summary>Answers admin searches from the read model; stateless, so every silo answers locally.</summary>
[StatelessWorker]
public sealed class UserDirectoryGrain(IUserDirectory directory) : Grain, IUserDirectoryGrain
{
    public Task<UserPage> Search(UserQuery query) => directory.Search(query, CancellationToken.None);
}
