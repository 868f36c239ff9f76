using System.Reflection;
using Hosting.Failover;
using Microsoft.Extensions.Time.Testing;
using Orleans.Serialization.Invocation;

namespace Tests.Operations;

/// <summary>
/// What the front ends' <see cref="SiloLossCallFilter"/> promises, on a clock the test moves: a call caught by a silo's
/// loss fails once its grace is over, a call that answers within the grace keeps its answer, and a call that is merely
/// slow, with no loss during it, is never cut by the filter however long it takes. (The filter in the real cluster,
/// with a silo killed: <see cref="InFlightAtSiloKillTests"/>.)
/// </summary>
public sealed class SiloLossCallFilterTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly SiloLossSignal _signal = new();

    [Fact]
    public async Task A_call_unanswered_when_a_silo_is_lost_fails_as_unavailable_after_the_grace()
    {
        var call = new HeldCall();
        var filtered = new SiloLossCallFilter(_signal, _time).Invoke(call);

        LoseAGateway();
        // The filter goes on from the loss on the thread pool; move the clock until its grace has run out.
        Assert.True(await Poll.Until(() =>
        {
            _time.Advance(SiloLossCallFilter.Grace);
            return Task.FromResult(filtered.IsCompleted);
        }, done => done), "the call was still waiting after its grace");

        await Assert.ThrowsAsync<SiloUnavailableException>(() => filtered);
    }

    [Fact]
    public async Task A_call_answered_after_a_loss_within_the_grace_keeps_its_answer()
    {
        var call = new HeldCall();
        var filtered = new SiloLossCallFilter(_signal, _time).Invoke(call);

        LoseAGateway();
        call.Answer.SetResult();

        await filtered;
    }

    [Fact]
    public Task A_slow_call_with_no_loss_during_it_is_not_cut() => AssertNotCut(before: () => { }, during: () => { });

    [Fact]
    public Task A_call_started_after_a_loss_is_not_cut_by_it() => AssertNotCut(before: LoseAGateway, during: () => { });

    [Fact]
    public Task A_new_gateway_connection_is_not_a_loss() =>
        AssertNotCut(before: () => { }, during: () => _signal.OnGatewayCountChanged(null, new GatewayCountChangedEventArgs(3, 2)));

    /// <summary>A call made after <paramref name="before"/>, with <paramref name="during"/> while it is out, still waits for its answer a minute on.</summary>
    private async Task AssertNotCut(Action before, Action during)
    {
        before();
        var call = new HeldCall();
        var filtered = new SiloLossCallFilter(_signal, _time).Invoke(call);

        during();
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(filtered.IsCompleted);
        call.Answer.SetResult();

        await filtered;
    }

    private void LoseAGateway() => _signal.OnGatewayCountChanged(null, new GatewayCountChangedEventArgs(2, 3));

    /// <summary>The rest of the call pipeline, answered when the test says so.</summary>
    private sealed class HeldCall : IOutgoingGrainCallContext
    {
        public TaskCompletionSource Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Invoke() => Answer.Task;

        public IInvokable Request => throw new NotSupportedException();
        public object Grain => throw new NotSupportedException();
        public GrainId? SourceId => null;
        public GrainId TargetId => default;
        public GrainInterfaceType InterfaceType => default;
        public string InterfaceName => "IUserGrain";
        public string MethodName => "Get";
        public MethodInfo InterfaceMethod => throw new NotSupportedException();
        public object? Result { get; set; }
        public Response? Response { get; set; }
        public IGrainContext? SourceContext => null;
    }
}
