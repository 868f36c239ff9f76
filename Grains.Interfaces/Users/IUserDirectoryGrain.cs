namespace Grains.Interfaces.Users;

/// <summary>
/// The admin's view over all users: a read model fed by the user-event stream, so it trails the
/// user grains by the stream's delivery lag.
/// </summary>
public interface IUserDirectoryGrain : IGrainWithIntegerKey
{
    Task<UserPage> Search(UserQuery query);
}

[GenerateSerializer, Immutable]
public sealed record UserQuery([property: Id(0)] int Page, [property: Id(1)] int PageSize, [property: Id(2)] string? Email);

[GenerateSerializer, Immutable]
public sealed record UserPage([property: Id(0)] IReadOnlyList<UserView> Items, [property: Id(1)] long Total);
