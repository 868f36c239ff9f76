using Hosting.Failover;
using Microsoft.Extensions.Time.Testing;

namespace Tests.Operations;

/// <summary>
/// What <see cref="ReadRetry"/> promises the front ends' reads, on a clock the test moves: a read caught by a silo's
/// loss is asked again after its short grace and answered from the survivor; however the grain stays unreachable, the
/// read is answered (503) within <see cref="ReadRetry.Grace"/> + <see cref="ReadRetry.Window"/> of the loss; a read
/// that is merely slow, with no loss, is never cut. (In the real cluster, with a silo killed: <see cref="InFlightAtSiloKillTests"/>;
/// measured: bench scenario S8.)
/// </summary>
public sealed class ReadRetryTests
{
    private readonly TimerClock _time = new();
    private readonly SiloLossSignal _signal = new();
    private readonly List<TaskCompletionSource<int>> _tries = [];

    [Fact]
    public async Task A_read_in_flight_at_a_silo_loss_is_asked_again_after_its_grace_and_answered_from_the_survivor()
    {
        var read = Run(answerFrom: 2);

        LoseAGateway();
        var took = await AdvanceUntilDone(read);

        Assert.Equal(2, await read);
        Assert.Equal(2, _tries.Count);
        Assert.Equal(ReadRetry.Grace + ReadRetry.Pause, took);
    }

    [Fact]
    public async Task A_read_whose_grain_stays_unreachable_is_answered_unavailable_within_the_grace_and_the_window()
    {
        // No try is ever answered: each reaches the dead silo before the cluster has declared it dead.
        var read = Run(answerFrom: int.MaxValue);

        LoseAGateway();
        var took = await AdvanceUntilDone(read);

        await Assert.ThrowsAsync<SiloUnavailableException>(() => read);
        Assert.Equal(2, _tries.Count);
        Assert.Equal(ReadRetry.Grace + ReadRetry.Window, took);
    }

    [Fact]
    public async Task Tries_the_cluster_bounces_at_once_are_repeated_until_one_is_answered()
    {
        // Sent just after a kill, before the front end noticed it: the cluster rejects the first tries at once.
        const int AnsweredTry = 4;
        var read = Run(answerFrom: AnsweredTry, failAtOnceBefore: AnsweredTry);

        var took = await AdvanceUntilDone(read);

        Assert.Equal(AnsweredTry, await read);
        Assert.Equal(AnsweredTry, _tries.Count);
        Assert.Equal((AnsweredTry - 1) * ReadRetry.Pause, took);
    }

    [Fact]
    public async Task A_slow_read_with_no_loss_is_not_cut()
    {
        var read = Run(answerFrom: int.MaxValue);

        _time.Advance(TimeSpan.FromMinutes(1));
        await Task.Delay(50);
        Assert.False(read.IsCompleted);
        _tries[0].SetResult(7);

        Assert.Equal(7, await read);
        Assert.Single(_tries);
    }

    [Fact]
    public async Task A_failure_that_is_not_a_silo_loss_is_not_retried()
    {
        var reads = new ReadRetry(_signal, _time);
        var tries = 0;

        await Assert.ThrowsAsync<InvalidOperationException>(() => reads.Run<int>(() =>
        {
            tries++;
            return Task.FromException<int>(new InvalidOperationException("a grain's own error"));
        }));
        Assert.Equal(1, tries);
    }

    /// <summary>
    /// A read through <see cref="ReadRetry"/> whose try number N (from 1) answers N when N is at least
    /// <paramref name="answerFrom"/>; earlier tries fail as a silo loss at once if before <paramref name="failAtOnceBefore"/>,
    /// and otherwise are never answered.
    /// </summary>
    private Task<int> Run(int answerFrom, int failAtOnceBefore = 0) =>
        new ReadRetry(_signal, _time).Run(() =>
        {
            var attempt = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            _tries.Add(attempt);
            var number = _tries.Count;
            if (number >= answerFrom)
            {
                attempt.SetResult(number);
            }
            else if (number < failAtOnceBefore)
            {
                attempt.SetException(new SiloUnavailableException("rejected: the target silo is not answering"));
            }

            return attempt.Task;
        });

    /// <summary>
    /// Moves the clock to each timer the read sets, in turn, until the read completes; how far the clock moved. A read
    /// that neither completes nor sets a new timer waits for something the clock cannot bring, and fails the test.
    /// </summary>
    private async Task<TimeSpan> AdvanceUntilDone(Task task)
    {
        var start = _time.GetUtcNow();
        var seen = 0;
        while (true)
        {
            // Real time for the read's continuations, which run on the thread pool.
            await Poll.Until(() => Task.FromResult(task.IsCompleted || _time.TimersSet > seen), moved => moved);
            if (task.IsCompleted)
            {
                return _time.GetUtcNow() - start;
            }

            Assert.True(_time.TimersSet > seen, $"the read is still waiting, {(_time.GetUtcNow() - start).TotalSeconds} s of the clock on, and sets no timer");
            seen = _time.TimersSet;
            _time.Advance(_time.LastDue - _time.GetUtcNow());
        }
    }

    private void LoseAGateway() => _signal.OnGatewayCountChanged(null, new GatewayCountChangedEventArgs(2, 3));

    /// <summary>A clock the test moves, which counts the timers set on it and knows when the last one is due.</summary>
    private sealed class TimerClock : FakeTimeProvider
    {
        private int _timersSet;
        private long _lastDueTicks;

        public int TimersSet => Volatile.Read(ref _timersSet);

        public DateTimeOffset LastDue => new(Interlocked.Read(ref _lastDueTicks), TimeSpan.Zero);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime >= TimeSpan.Zero)
            {
                Interlocked.Exchange(ref _lastDueTicks, (GetUtcNow() + dueTime).UtcTicks);
                Interlocked.Increment(ref _timersSet);
            }

            return base.CreateTimer(callback, state, dueTime, period);
        }
    }
}
