using Api.Account;
using Api.Hosting;
using Api.Mail;
using Grains.Interfaces.Account;
using Api.Security;
using Grains.Interfaces.Sessions;
using Grains.Interfaces.Users;

namespace Api.Auth;

/// <summary>Login, refresh and logout over the cluster; the endpoints only translate to HTTP.</summary>
public sealed class AuthService(
    IGrainFactory grains,
    PasswordHasher hasher,
    AccessTokens accessTokens,
    ApiSettings settings,
    AuthMetrics metrics,
    FrontEndCache cache,
    AccountMails mails,
    TimeProvider time,
    ILogger<AuthService> logger)
{
    // While an account's free checks are all running, a further login waits for their outcome this
    // often, and at most this long, before it is told to come back (the owner's own parallel logins).
    private static readonly TimeSpan BusyPoll = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan BusyWaitLimit = TimeSpan.FromSeconds(10);

    // Made once: /auth/me runs on every request, and a closure per call is garbage per call.
    private readonly Func<Guid, Task<UserView?>> _askUserGrain = userId => grains.GetGrain<IUserGrain>(userId).Get();

    public async Task<LoginOutcome> Login(string email, string password, string? userAgent, string? ipAddress, CancellationToken cancellationToken = default)
    {
        var started = time.GetTimestamp();
        var outcome = await CheckAndStartSession(email, password, userAgent, ipAddress, cancellationToken);
        // A loop, for a timer may fire a little before the delay it was given has passed on this clock.
        while (outcome.Status == LoginStatus.InvalidCredentials && settings.FailedLoginMinimumTime - time.GetElapsedTime(started) is { Ticks: > 0 } rest)
        {
            await Task.Delay(rest, time, cancellationToken);
        }

        return outcome;
    }

    private async Task<LoginOutcome> CheckAndStartSession(string email, string password, string? userAgent, string? ipAddress, CancellationToken cancellationToken)
    {
        var index = grains.GetGrain<IEmailIndexGrain>(EmailAddress.Normalize(email));
        var userId = await index.GetOwner();
        if (userId is null)
        {
            // An unknown address is throttled like an account, or the 429 alone would tell registered ones apart.
            if (await index.BeginUnknownGuess() is { } wait)
            {
                metrics.Login("throttled");
                logger.LogWarning("Login throttled for an unknown email from {Ip}", ipAddress);
                return new LoginOutcome(LoginStatus.Throttled, RetryAfter: wait);
            }

            await hasher.VerifyDecoyAsync(password, cancellationToken);
            metrics.Login("invalid_credentials");
            logger.LogInformation("Login failed: unknown email from {Ip}", ipAddress);
            return new LoginOutcome(LoginStatus.InvalidCredentials);
        }

        var check = await CheckPassword(userId.Value, password, cancellationToken);
        switch (check.Status)
        {
            case LoginStatus.Throttled:
                metrics.Login("throttled");
                logger.LogWarning("Login throttled for user {UserId} from {Ip}", userId, ipAddress);
                return check;
            case LoginStatus.InvalidCredentials:
                metrics.Login("invalid_credentials");
                logger.LogInformation("Login failed: wrong password for user {UserId} from {Ip}", userId, ipAddress);
                return check;
        }

        // The user as stored when the check completed: one grain call fewer per login.
        if (check.User is not { } user)
        {
            return new LoginOutcome(LoginStatus.InvalidCredentials);
        }

        if (settings.RequireVerifiedEmail && !user.EmailVerified)
        {
            metrics.Login("email_not_verified");
            logger.LogInformation("Login refused for user {UserId} from {Ip}: email not verified", user.Id, ipAddress);

            // The only way back for a user whose mail was lost (resend needs a session they cannot get):
            // a fresh link, at most one a minute, as the grain decides.
            var verification = AccountTokens.Create(user.Id);
            if (await grains.GetGrain<IUserAccountGrain>(user.Id).IssueEmailVerification(AccountTokens.Hash(verification)) is { Email: { } to } issue)
            {
                mails.Verification(to, issue.Name ?? "", verification);
            }

            return new LoginOutcome(LoginStatus.EmailNotVerified);
        }

        if (user.MfaEnabled)
        {
            var ticket = AccountTokens.Create(user.Id);
            await grains.GetGrain<IUserAccountGrain>(user.Id).IssueMfaTicket(AccountTokens.Hash(ticket), check.CredentialVersion);
            metrics.Login("mfa_required");
            logger.LogInformation("Password accepted for user {UserId} from {Ip}; waiting for the second factor", user.Id, ipAddress);
            return new LoginOutcome(LoginStatus.MfaRequired, Challenge: new MfaChallengeResponse(true, ticket, (int)AccountLifetimes.MfaTicket.TotalSeconds));
        }

        return await OpenSession(user.Id, userAgent, ipAddress, check.CredentialVersion) is { } tokens
            ? new LoginOutcome(LoginStatus.Succeeded, tokens)
            : new LoginOutcome(LoginStatus.InvalidCredentials);
    }

    /// <summary>
    /// Starts a session for a user whose password (checked against <paramref name="credentialVersion"/>) and second
    /// factor were accepted (the MFA step); null when the credentials changed meanwhile.
    /// </summary>
    public Task<TokenResponse?> OpenSession(UserView user, string? userAgent, string? ipAddress, long credentialVersion) =>
        OpenSession(user.Id, userAgent, ipAddress, credentialVersion);

    /// <summary>
    /// Starts a session only while the credentials the login was checked against (<paramref name="credentialVersion"/>)
    /// are still current (null otherwise, the session already revoked).
    /// </summary>
    private async Task<TokenResponse?> OpenSession(Guid userId, string? userAgent, string? ipAddress, long credentialVersion)
    {
        var sessionId = Guid.NewGuid();
        var refreshToken = RefreshTokens.Create(sessionId);
        // The session confirms the credentials with the user once the session is in the user's list.
        var user = await grains.Session(sessionId).Open(new StartSession(
            userId,
            RefreshTokens.Hash(refreshToken),
            settings.RefreshTokenLifetime,
            settings.SessionIdleTimeout,
            Truncate(userAgent, 256),
            ipAddress,
            credentialVersion,
            settings.SessionsPerUser));
        if (user is null)
        {
            metrics.Login("invalid_credentials");
            logger.LogInformation("Login failed: the credentials of user {UserId} changed during the check", userId);
            return null;
        }

        metrics.Login("succeeded");
        logger.LogInformation("Login succeeded for user {UserId} from {Ip}, session {SessionId}", user.Id, ipAddress, sessionId);
        return await Tokens(user, sessionId, refreshToken);
    }

    /// <summary>
    /// One throttled password check against the user's stored hash, re-hashing it when its parameters are outdated.
    /// Used by login and by a password change.
    /// </summary>
    public async Task<LoginOutcome> CheckPassword(Guid userId, string password, CancellationToken cancellationToken = default)
    {
        var user = grains.GetGrain<IUserGrain>(userId);
        var ticket = await user.BeginPasswordCheck();
        var waitingSince = time.GetTimestamp();
        while (ticket.Status == LoginTicketStatus.Busy && time.GetElapsedTime(waitingSince) < BusyWaitLimit)
        {
            await Task.Delay(BusyPoll, time, cancellationToken);
            ticket = await user.BeginPasswordCheck();
        }

        switch (ticket.Status)
        {
            case LoginTicketStatus.Throttled:
                return new LoginOutcome(LoginStatus.Throttled, RetryAfter: ticket.RetryAfter);
            case LoginTicketStatus.Busy:
                return new LoginOutcome(LoginStatus.Throttled, RetryAfter: TimeSpan.FromSeconds(1));
            case LoginTicketStatus.NotFound:
                await hasher.VerifyDecoyAsync(password);
                return new LoginOutcome(LoginStatus.InvalidCredentials);
        }

        PasswordCheck result;
        try
        {
            result = await hasher.VerifyAsync(ticket.PasswordHash!, password, cancellationToken);
        }
        catch
        {
            // Not checked (the hash queue was full, or the client left): a place held until the check's timeout
            // would keep the owner's next logins waiting, and then count against the account.
            await user.AbandonPasswordCheck();
            throw;
        }

        var succeeded = result is not PasswordCheck.Failed;
        var rehashed = result is PasswordCheck.SucceededNeedsRehash ? await Rehash(password) : null;
        var view = await user.CompletePasswordCheck(succeeded, rehashed, ticket.PasswordHash);
        return new LoginOutcome(succeeded ? LoginStatus.Succeeded : LoginStatus.InvalidCredentials, CredentialVersion: ticket.CredentialVersion, User: view);
    }

    // An outdated hash is replaced at a later login when the queue has no room for the extra hash now.
    private async Task<string?> Rehash(string password)
    {
        try
        {
            return await hasher.HashAsync(password);
        }
        catch (HashQueueFullException)
        {
            return null;
        }
    }

    public async Task<TokenResponse?> Refresh(string refreshToken)
    {
        if (!RefreshTokens.TryParse(refreshToken, out var sessionId))
        {
            return null;
        }

        var session = grains.Session(sessionId);
        var replacement = RefreshTokens.Create(sessionId);
        var result = await session.Refresh(RefreshTokens.Hash(refreshToken), RefreshTokens.Hash(replacement));
        switch (result.Status)
        {
            case RefreshStatus.ReuseDetected:
                metrics.Refresh("reuse_detected");
                logger.LogWarning("Refresh token reuse detected: session {SessionId} of user {UserId} revoked", sessionId, result.UserId);
                return null;
            case RefreshStatus.Rejected:
                metrics.Refresh("rejected");
                return null;
        }

        metrics.Refresh("rotated");

        var user = await grains.GetGrain<IUserGrain>(result.UserId).Get();
        if (user is null)
        {
            await session.Revoke();
            return null;
        }

        return await Tokens(user, sessionId, replacement);
    }

    public Task Logout(Caller caller)
    {
        logger.LogInformation("Logout of user {UserId}, session {SessionId}", caller.UserId, caller.SessionId);
        return grains.Session(caller.SessionId).Revoke();
    }

    public Task LogoutAll(Caller caller)
    {
        logger.LogInformation("Logout of every session of user {UserId}", caller.UserId);
        return grains.UserSessions(caller.UserId).RevokeAll(except: null);
    }

    public async Task<IReadOnlyList<SessionResponse>> Sessions(Caller caller)
    {
        var sessions = await grains.UserSessions(caller.UserId).List();
        return [.. sessions.Select(s => new SessionResponse(s.Id, s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.UserAgent, s.IpAddress, s.Id == caller.SessionId))];
    }

    /// <summary>Revokes one of the caller's own sessions; false when there is no such live session of theirs.</summary>
    public async Task<bool> RevokeSession(Caller caller, Guid sessionId)
    {
        var session = grains.Session(sessionId);
        if (await session.GetInfo() is not { } info || info.UserId != caller.UserId)
        {
            return false;
        }

        await session.Revoke();
        logger.LogInformation("User {UserId} revoked session {SessionId}", caller.UserId, sessionId);
        return true;
    }

    /// <summary>What another service learns about a token (RFC 7662): valid signature and claims, live session, live permissions.</summary>
    public async Task<IntrospectionResponse> Introspect(string token, CancellationToken cancellationToken)
    {
        var result = await accessTokens.Validate(token, cancellationToken);
        if (!result.IsValid || !Caller.TryFrom(new System.Security.Claims.ClaimsPrincipal(result.ClaimsIdentity), out var caller))
        {
            return IntrospectionResponse.Inactive;
        }

        var check = await grains.Session(caller.SessionId).Check();
        var user = check.Active && check.UserId == caller.UserId ? await grains.GetGrain<IUserGrain>(caller.UserId).Get() : null;
        if (user is null)
        {
            return IntrospectionResponse.Inactive;
        }

        var jwt = (Microsoft.IdentityModel.JsonWebTokens.JsonWebToken)result.SecurityToken;
        return new IntrospectionResponse(
            true,
            caller.UserId,
            caller.SessionId,
            new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero).ToUnixTimeSeconds(),
            new DateTimeOffset(jwt.IssuedAt, TimeSpan.Zero).ToUnixTimeSeconds(),
            jwt.Issuer,
            jwt.Audiences.FirstOrDefault(),
            "Bearer",
            user.Permissions);
    }

    /// <summary>
    /// RFC 7009: ends the session a refresh token or an access token belongs to. Anything else (unknown,
    /// expired, forged) changes nothing, and the caller is not told which it was.
    /// </summary>
    public async Task Revoke(string token, CancellationToken cancellationToken)
    {
        if (RefreshTokens.TryParse(token, out var sessionId))
        {
            if (await grains.Session(sessionId).RevokeByRefreshToken(RefreshTokens.Hash(token)))
            {
                logger.LogInformation("Session {SessionId} revoked by its refresh token", sessionId);
            }

            return;
        }

        var result = await accessTokens.Validate(token, cancellationToken);
        if (result.IsValid && Caller.TryFrom(new System.Security.Claims.ClaimsPrincipal(result.ClaimsIdentity), out var caller)
            && await grains.Session(caller.SessionId).GetInfo() is { } info && info.UserId == caller.UserId)
        {
            await grains.Session(caller.SessionId).Revoke();
            logger.LogInformation("Session {SessionId} of user {UserId} revoked by its access token", caller.SessionId, caller.UserId);
        }
    }

    public ValueTask<UserView?> Me(Caller caller) => cache.User(caller.UserId, _askUserGrain);

    private async Task<TokenResponse> Tokens(UserView user, Guid sessionId, string refreshToken) => new(
        await accessTokens.Issue(user, sessionId),
        refreshToken,
        "Bearer",
        (int)accessTokens.Lifetime.TotalSeconds,
        sessionId);

    private static string? Truncate(string? value, int length) => value is { Length: > 0 } && value.Length > length ? value[..length] : value;
}
