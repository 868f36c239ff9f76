using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

// The ceilings for GET /auth/me on this machine: the same Kestrel and the same JSON body, with no cluster call.
// BASELINE_MODE unset: no token check at all. BASELINE_MODE=jwt: stock JwtBearer validating the product's own
// token (HS256 with JWT_SECRET, the product's default issuer and audience), i.e. what a stateless API would
// spend, so the product's ratio to it is the price of immediate revocation. Listens where ASPNETCORE_URLS says.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
var jwt = string.Equals(builder.Configuration["BASELINE_MODE"], "jwt", StringComparison.OrdinalIgnoreCase);
if (jwt)
{
    var secret = builder.Configuration["JWT_SECRET"] is { Length: >= 32 } configured
        ? configured
        : throw new InvalidOperationException("BASELINE_MODE=jwt needs JWT_SECRET (at least 32 bytes), the product's");
    builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
    {
        o.MapInboundClaims = false;
        o.TokenValidationParameters = new TokenValidationParameters
        {
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)),
            ValidIssuer = builder.Configuration["JWT_ISSUER"] ?? "auth-service",
            ValidAudience = builder.Configuration["JWT_AUDIENCE"] ?? "auth-service",
            RequireExpirationTime = true,
        };
    });
    builder.Services.AddAuthorization();
}

var app = builder.Build();

var now = DateTimeOffset.UtcNow;
var me = new Me(Guid.NewGuid(), "Bench User", "bench-user@example.com", [], now, now, 1);
var route = app.MapGet("/auth/me", () => TypedResults.Ok(me));
if (jwt)
{
    route.RequireAuthorization();
}

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
