using Api.Hosting;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using Tests.Http;
using Tests.Infrastructure;
using Xunit.Abstractions;
using TestSupport.OpenApi;

namespace Tests.Security;

/// <summary>
/// A generated corpus of hostile requests (<see cref="HostileCorpus"/>) against every route of both
/// front ends: nothing may crash, answer 5xx, drop the connection or store anything.
/// </summary>
[Collection(FrontEnds.Name)]
public sealed class HostileInputTests(FrontEndsFixture api, ITestOutputHelper output)
{
    private const int Seed = 20261124;
    private const int CorpusSize = 2400;

    // What Kestrel answers, with an empty body, to a request it refuses before any middleware runs.
    private static readonly int[] ServerRefusals = [400, 414, 431];

    [Fact]
    public async Task A_generated_corpus_of_hostile_requests_gets_only_4xx_problem_answers_and_stores_nothing()
    {
        var admin = await api.SignInAsAdmin();
        var user = await api.SignUp();
        var listedBefore = await ListedAfterMarker(admin, user.Email);
        var storedBefore = await StoredUsers.Count(api.ServiceId);
        var corpus = new HostileCorpus(Seed, user.UserId, user.Password).Generate(CorpusSize);
        using var auth = RawClient(api.Auth.BaseAddress!);
        using var users = RawClient(api.Users.BaseAddress!);

        var clock = Stopwatch.StartNew();
        var outcomes = new ConcurrentBag<Outcome>();
        // Parallel enough to mix connections and races, not so much that it starves the other test collections.
        await Parallel.ForEachAsync(corpus, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (request, _) =>
            outcomes.Add(await Send(request.FrontEnd == FrontEnd.Auth ? auth : users, request, user.AccessToken)));
        Report(outcomes, clock.Elapsed);

        Assert.True(corpus.Count >= 2000);
        var violations = new[]
        {
            Violations(outcomes, o => o.Status is null, "got no answer (reset or timeout)"),
            Violations(outcomes, o => o.Status is not (>= 400 and < 500), "were not answered with a 4xx"),
            Violations(outcomes, o => !IsProblem(o) && !IsServerRefusal(o), "were neither a problem answer nor a refusal by Kestrel of a request over its limits"),
            Violations(outcomes, o => IsProblem(o) && !o.NoSniff, "lacked X-Content-Type-Options: nosniff"),
            Violations(outcomes, o => o.Body.Contains("   at ", StringComparison.Ordinal) || o.Body.Contains("Exception", StringComparison.Ordinal), "carried a stack trace or an exception name"),
        };
        Assert.True(violations.All(v => v is null), string.Join("; ", violations.OfType<string>()) + " (the first of each are in the test output)");

        // Nothing was stored: every answer is in and a write is stored before it is answered, so the count of
        // stored users is exact now. The read model trails: once a marker registered after the corpus is
        // listed, it must have grown by that one user only.
        Assert.Equal(storedBefore, await StoredUsers.Count(api.ServiceId));
        Assert.Equal(listedBefore + 1, await ListedAfterMarker(admin));
        var self = await api.Users.Send(HttpMethod.Get, $"/user/{user.UserId}", token: user.AccessToken);
        Assert.Equal("\"1\"", self.Headers.ETag?.Tag);
        var sessions = await (await api.Auth.Send(HttpMethod.Get, "/auth/sessions", token: user.AccessToken)).Json();
        Assert.Single(sessions.EnumerateArray());
        var registrations = corpus.Select(r => r.Registration).OfType<(string Email, string Password)>()
            .Where(r => r.Email.Contains('@') && r.Password.Length is >= 8 and <= 128)
            .Distinct()
            .ToList();
        var logins = new ConcurrentBag<HttpStatusCode>();
        // The corpus' addresses and passwords break the documented limits on purpose.
        using var hostile = DeliberatelyInvalid.Requests();
        await Parallel.ForEachAsync(registrations, new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (r, _) =>
            logins.Add((await api.Auth.Login(r.Email, r.Password)).StatusCode));
        output.WriteLine($"{registrations.Count} registrations of the corpus tried to log in: {string.Join(", ", logins.GroupBy(s => (int)s).OrderBy(g => g.Key).Select(g => $"{g.Key} × {g.Count()}"))}");
        Assert.All(logins, status => Assert.True(status is HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest, $"a corpus registration logged in: {status}"));
    }

    /// <summary>Registers a marker user, waits until the admin list shows it (and any others named), and returns the list's total.</summary>
    private async Task<long> ListedAfterMarker(Session admin, params string[] alsoListed)
    {
        var marker = await api.SignUp();
        foreach (var email in alsoListed.Append(marker.Email))
        {
            var page = await Poll.Until(
                async () => await (await api.Users.Send(HttpMethod.Get, $"/user?email={Uri.EscapeDataString(email)}", token: admin.AccessToken)).Json(),
                json => json.GetProperty("total").GetInt64() == 1,
                seconds: 60);
            Assert.Equal(1, page.GetProperty("total").GetInt64());
        }

        return (await (await api.Users.Send(HttpMethod.Get, "/user?pageSize=1", token: admin.AccessToken)).Json()).GetProperty("total").GetInt64();
    }

    private sealed record Outcome(HostileRequest Request, int? Status, string? MediaType, string Body, bool NoSniff, string? Failure);

    private static bool IsProblem(Outcome o) => o.MediaType == "application/problem+json";

    private static bool IsServerRefusal(Outcome o) =>
        o.Request.BeyondServerLimits && ServerRefusals.Contains(o.Status ?? 0) && o.MediaType is null && o.Body.Length == 0;

    /// <summary>Prints the first offenders and describes them, or null when there are none.</summary>
    private string? Violations(IEnumerable<Outcome> outcomes, Func<Outcome, bool> bad, string what)
    {
        var offenders = outcomes.Where(bad).ToList();
        if (offenders.Count == 0)
        {
            return null;
        }

        output.WriteLine($"{offenders.Count} requests {what}:");
        foreach (var o in offenders.Take(15))
        {
            output.WriteLine($"  {o.Status?.ToString() ?? o.Failure} {o.MediaType} ← {o.Request.Describe()} → {Truncate(o.Body)}");
        }

        return $"{offenders.Count} requests {what}";
    }

    private void Report(IReadOnlyCollection<Outcome> outcomes, TimeSpan elapsed)
    {
        output.WriteLine($"Hostile corpus: {outcomes.Count} requests (seed {Seed}) in {elapsed.TotalSeconds:F1} s");
        foreach (var group in outcomes.GroupBy(o => o.Status is { } s ? $"{s / 100}xx" : "no answer").OrderBy(g => g.Key))
        {
            output.WriteLine($"  {group.Key}: {group.Count()}");
        }

        output.WriteLine($"  of which refused by Kestrel before the application (empty body): {outcomes.Count(IsServerRefusal)}");
        output.WriteLine($"  by status: {string.Join(", ", outcomes.GroupBy(o => o.Status ?? 0).OrderBy(g => g.Key).Select(g => $"{g.Key} × {g.Count()}"))}");
        foreach (var kind in outcomes.GroupBy(o => o.Request.Kind).OrderBy(g => g.Key))
        {
            output.WriteLine($"  {kind.Key} ({kind.Count()}): {string.Join(", ", kind.GroupBy(o => o.Status ?? 0).OrderBy(g => g.Key).Select(g => $"{g.Key} × {g.Count()}"))}");
        }
    }

    private static async Task<Outcome> Send(HttpClient client, HostileRequest r, string validToken)
    {
        using var message = new HttpRequestMessage(new HttpMethod(r.Method), r.Path);
        if (r.Body is not null)
        {
            message.Content = r.Chunked ? new ChunkedContent(r.Body) : new ByteArrayContent(r.Body);

            // A body over the limit waits for the server's "100 Continue", as clients send large uploads: a route that
            // answers without reading it (a 401 first) then answers before the body is sent. Sent at once instead,
            // the body could still be on its way when that answer closed the connection, and the client's write failed
            // (broken pipe) before it read the answer the server had given.
            message.Headers.ExpectContinue = r.Body.Length > ApiHost.MaxRequestBodyBytes;
            if (r.ContentType is not null)
            {
                message.Content.Headers.TryAddWithoutValidation("Content-Type", r.ContentType);
            }
        }

        if (r.Authorization is not null)
        {
            message.Headers.TryAddWithoutValidation("Authorization", r.Authorization.Replace(HostileRequest.ValidTokenPlaceholder, validToken));
        }
        else if (r.Path == "/auth/introspect")
        {
            // An authenticated client, so the hostile body is what gets refused, not the missing credentials.
            message.Headers.Authorization = ApiCalls.IntrospectionCredentials();
        }

        foreach (var (name, value) in r.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        try
        {
            using var response = await client.SendAsync(message);
            var body = await response.Content.ReadAsStringAsync();
            return new Outcome(
                r,
                (int)response.StatusCode,
                response.Content.Headers.ContentType?.MediaType,
                body,
                response.Headers.TryGetValues("X-Content-Type-Options", out var sniff) && sniff.Contains("nosniff"),
                null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            var causes = string.Join(" ← ", Enumerable.Repeat(e, 4).Select((_, depth) => Cause(e, depth)).OfType<string>());
            return new Outcome(r, null, null, "", false, causes);
        }
    }

    /// <summary>A client that sends what it is given: non-ASCII header bytes as UTF-8, no redirects followed.</summary>
    private static HttpClient RawClient(Uri baseAddress) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8,
    })
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromSeconds(30),
    };

    private static string? Cause(Exception e, int depth)
    {
        Exception? cause = e;
        for (var i = 0; i < depth && cause is not null; i++)
        {
            cause = cause.InnerException;
        }

        return cause is null ? null : $"{cause.GetType().Name}: {cause.Message}";
    }

    private static string Truncate(string text) => text.Length > 300 ? text[..300] + "…" : text;
}
