// Another team's service: it validates our access tokens with ASP.NET Core's stock JwtBearer, configured
// with nothing but the Auth API's URL (discovery and JWKS do the rest) and the audience it expects.
// Usage: dotnet JwtConsumer.dll --urls http://127.0.0.1:PORT --Authority http://127.0.0.1:3001 --Audience auth-service
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
{
    o.Authority = builder.Configuration["Authority"];
    o.Audience = builder.Configuration["Audience"];
    // Loopback in the tests; a real deployment keeps HTTPS metadata.
    o.RequireHttpsMetadata = false;
});
builder.Services.AddAuthorization();

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
app.MapGet("/whoami", (ClaimsPrincipal user) => Results.Text(user.FindFirstValue(ClaimTypes.NameIdentifier) ?? user.FindFirstValue("sub") ?? ""))
    .RequireAuthorization();
app.MapGet("/ready", () => "ok");
app.Run();
