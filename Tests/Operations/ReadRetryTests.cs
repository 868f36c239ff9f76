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
    // The clock moves in steps this long, with a real pause between them for the retry's continuations to run; a
    // continuation that is late by a few steps only makes the measured times longer.
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(500);

    private readonly FakeTimeProvider _time = new();
    private readonly SiloLossSignal _signal = new();
    private readonly List<TaskCompletionSource<int>> _tries = [];

    [Fact]
    public async Task A_read_in_flight_at_a_silo_loss_is_asked_again_after_its_grace_and_answered_from_the_survivor()
    {
        var read = Run(answerFrom: 2);

        LoseAGateway();
        var took = await AdvanceUntilDone(read, TimeSpan.FromSeconds(30));

        Assert.Equal(2, await read);
        Assert.Equal(2, _tries.Count);
        Assert.InRange(took, ReadRetry.Grace, ReadRetry.Grace + ReadRetry.Pause + Slack);
    }

    [Fact]
    public async Task A_read_whose_grain_stays_unreachable_is_answered_unavailable_within_the_grace_and_the_window()
    {
        // No try is ever answered: each reaches the dead silo before the cluster has declared it dead.
        var read = Run(answerFrom: int.MaxValue);

        LoseAGateway();
        var took = await AdvanceUntilDone(read, TimeSpan.FromSeconds(60));

        await Assert.ThrowsAsync<SiloUnavailableException>(() => read);
        Assert.True(_tries.Count >= 2, $"{_tries.Count} tries");
        Assert.InRange(took, ReadRetry.Window, ReadRetry.Grace + ReadRetry.Window + Slack);
    }

    [Fact]
    public async Task Tries_the_cluster_bounces_at_once_are_repeated_until_one_is_answered()
    {
        // Sent just after a kill, before the front end noticed it: the cluster rejects the first tries at once.
        const int AnsweredTry = 4;
        var read = Run(answerFrom: AnsweredTry, failAtOnceBefore: AnsweredTry);

        var took = await AdvanceUntilDone(read, TimeSpan.FromSeconds(60));

        Assert.Equal(AnsweredTry, await read);
        Assert.Equal(AnsweredTry, _tries.Count);
        Assert.InRange(took, (AnsweredTry - 1) * ReadRetry.Pause, (AnsweredTry - 1) * ReadRetry.Pause + Slack);
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

    /// <summary>Moves the clock until <paramref name="task"/> completes; how far it moved.</summary>
    private async Task<TimeSpan> AdvanceUntilDone(Task task, TimeSpan limit)
    {
        var start = _time.GetUtcNow();
        while (!task.IsCompleted && _time.GetUtcNow() - start < limit)
        {
            // Real time for the continuations: the retry's next timer is set on the thread pool.
            await Task.Delay(2);
            if (!task.IsCompleted)
            {
                _time.Advance(Step);
            }
        }

        Assert.True(task.IsCompleted, $"still waiting {limit.TotalSeconds} s of the clock on");
        return _time.GetUtcNow() - start;
    }

    private void LoseAGateway() => _signal.OnGatewayCountChanged(null, new GatewayCountChangedEventArgs(2, 3));
}
