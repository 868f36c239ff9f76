using System.Threading.Channels;
using Api.Mail;
using Grains.Interfaces.Account;
using Grains.Interfaces.Users;

namespace Api.Account;

/// <summary>
/// Forgot-password requests, handled after the answer: the request only queues the address, so the answer
/// (status, body and timing) cannot depend on whether the address belongs to anyone. Here the address is
/// looked up, the account's own limit applied (in its grain) and the mail queued.
/// </summary>
public sealed class PasswordResetRequests(IGrainFactory grains, AccountMails mails, ILogger<PasswordResetRequests> logger) : BackgroundService
{
    public const int Capacity = 10_000;

    private readonly Channel<string> _queue = Channel.CreateBounded<string>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    public void Enqueue(string email)
    {
        if (!_queue.Writer.TryWrite(email))
        {
            logger.LogError("Password reset queue full ({Capacity}): a request was dropped", Capacity);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var email in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await Handle(email);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Not retried: the user sees no error either way and can ask again.
                    logger.LogWarning("A password reset request could not be handled: {Reason}", e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task Handle(string email)
    {
        if (await grains.GetGrain<IEmailIndexGrain>(EmailAddress.Normalize(email)).GetOwner() is not { } userId)
        {
            return;
        }

        var token = AccountTokens.Create(userId);
        var issue = await grains.GetGrain<IUserAccountGrain>(userId).IssuePasswordReset(AccountTokens.Hash(token));
        if (issue.Email is not null)
        {
            mails.PasswordReset(issue.Email, issue.Name ?? "", token);
            logger.LogInformation("Password reset mail queued for user {UserId}", userId);
        }
        else
        {
            logger.LogInformation("Password reset for user {UserId} not sent: the account's limit is reached", userId);
        }
    }
}
