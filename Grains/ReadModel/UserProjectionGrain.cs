using Grains.Interfaces.Sessions;
using Grains.Interfaces.Users;
using Microsoft.Extensions.Logging;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Grains.ReadModel;

/// <summary>
/// The services' own consumer of one user's events (implicitly subscribed, keyed by the stream key — the user
/// id as a string, see <see cref="UserEventStream.Of"/> — so events arrive in order): it feeds the read model and, on deletion, makes sure every session is
/// gone. Both effects are idempotent, so a redelivered event changes nothing.
/// </summary>
[ImplicitStreamSubscription(UserEventStream.Namespace)]
public sealed class UserProjectionGrain(IUserDirectory directory, ILogger<UserProjectionGrain> logger)
    : Grain, IGrainWithStringKey, IStreamSubscriptionObserver, IAsyncObserver<string>
{
    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        await handleFactory.Create<string>().ResumeAsync(this);

    public async Task OnNextAsync(string item, StreamSequenceToken? token = null)
    {
        var userEvent = UserEvent.FromJson(item);
        await directory.Apply(userEvent, CancellationToken.None);
        if (userEvent.Type == UserEvent.Deleted)
        {
            await GrainFactory.UserSessions(userEvent.UserId).RevokeAll(except: null);
        }
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex)
    {
        logger.LogWarning(ex, "User event stream of {UserId} reported an error", this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }
}
