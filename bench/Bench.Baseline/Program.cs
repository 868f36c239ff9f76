// The ceiling for GET /auth/me on this machine: the same Kestrel and the same JSON body, with no token
// check, no cluster call and no middleware. Listens where ASPNETCORE_URLS (or --urls) says.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
var app = builder.Build();

var now = DateTimeOffset.UtcNow;
var me = new Me(Guid.NewGuid(), "Bench User", "bench-user@example.com", [], now, now, 1);
app.MapGet("/auth/me", () => TypedResults.Ok(me));
app.MapGet("/health/ready", () => TypedResults.Ok());
app.Run();

/// <summary>The shape of the API's UserResponse.</summary>
internal sealed record Me(
    Guid Id,
    string Name,
    string Email,
    IReadOnlyList<string> Permissions,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long Version);
