using Api.Security;

namespace Tests.Security;

/// <summary>The hash queue (one hash per core) serves only callers that still wait: a request whose client has gone gives up its turn.</summary>
public sealed class PasswordHasherCancellationTests
{
    private readonly PasswordHasher _hasher = new();

    [Fact]
    public async Task A_caller_that_has_gone_gets_no_hash_and_no_verification()
    {
        using var gone = new CancellationTokenSource();
        await gone.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _hasher.HashAsync("a passphrase long enough", gone.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _hasher.VerifyDecoyAsync("a passphrase long enough", gone.Token));
        Assert.NotEqual(PasswordCheck.Failed, await _hasher.VerifyAsync(await _hasher.HashAsync("still served"), "still served", CancellationToken.None));
    }
}
