using System.Text.Json.Serialization;
using Api.Hosting;
using Api.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.IdentityModel.Tokens;

namespace Api.Tokens;

/// <summary>
/// The JWKS and the discovery documents (OpenID Connect Discovery, RFC 8414) on the Auth API: enough
/// for a stock JWT middleware given only this service's URL to find the keys and check our tokens.
/// </summary>
public static class DiscoveryApi
{
    /// <summary>
    /// Clients may keep the JWKS this long: a next key is published at least JWT_KEY_PUBLISH_AHEAD
    /// (5 minutes or more) before it signs, so a copy this old still holds every key in use.
    /// </summary>
    public static readonly TimeSpan JwksMaxAge = TimeSpan.FromMinutes(5);

    public static RouteGroupBuilder MapDiscoveryApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/.well-known").WithTags("Discovery");
        api.MapGet("/jwks.json", Jwks)
            .WithName("Jwks")
            .WithSummary("The public keys access tokens are signed with: the current key, the next one, and retired keys whose tokens may still be alive")
            .WithDescription("A JSON Web Key Set (RFC 7517); empty when tokens are signed with a shared secret (HS256), which is never published.")
            .WritesHeader(StatusCodes.Status200OK, "Cache-Control", "public, max-age=300: a copy this old still holds every key in use.");
        api.MapGet("/openid-configuration", Metadata)
            .WithName("OpenIdConfiguration")
            .WithSummary("Discovery metadata: issuer, jwks_uri, introspection and revocation endpoints, signing algorithm")
            .WithDescription("OpenID Connect Discovery metadata, enough for a stock JWT middleware given this service's URL to find the keys.")
            .WritesHeader(StatusCodes.Status200OK, "Cache-Control", "public, max-age=300.");
        api.MapGet("/oauth-authorization-server", Metadata)
            .WithName("AuthorizationServerMetadata")
            .WithSummary("The same metadata under RFC 8414's name")
            .WithDescription("OAuth 2.0 Authorization Server Metadata (RFC 8414): the same document as /.well-known/openid-configuration.")
            .WritesHeader(StatusCodes.Status200OK, "Cache-Control", "public, max-age=300.");
        return api;
    }

    private static async Task<Ok<JwksDocument>> Jwks(ITokenKeys keys, HttpContext http)
    {
        await keys.EnsureFresh(http.RequestAborted);
        http.Response.Headers.CacheControl = $"public, max-age={(int)JwksMaxAge.TotalSeconds}";
        return TypedResults.Ok(new JwksDocument([.. keys.PublishedKeys().Select(JwksEntry.From)]));
    }

    private static Ok<DiscoveryDocument> Metadata(ApiSettings settings, ITokenKeys keys, HttpContext http)
    {
        // From JWT_ISSUER when it is this service's URL (as it should be); from the request otherwise, and
        // then a shared cache must not serve one Host's answer to another.
        var issuerIsUrl = Uri.TryCreate(settings.JwtIssuer, UriKind.Absolute, out var issuerUrl) && issuerUrl.Scheme is "http" or "https";
        var baseUrl = issuerIsUrl ? settings.JwtIssuer.TrimEnd('/') : $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}";
        http.Response.Headers.CacheControl = $"public, max-age={(int)JwksMaxAge.TotalSeconds}";
        if (!issuerIsUrl)
        {
            http.Response.Headers.Vary = "Host";
        }

        string[] algorithms = [keys.Algorithm.JwtName()];
        return TypedResults.Ok(new DiscoveryDocument(
            settings.JwtIssuer,
            $"{baseUrl}/.well-known/jwks.json",
            $"{baseUrl}/auth/introspect",
            ["client_secret_basic"],
            $"{baseUrl}/auth/revoke",
            ["none"],
            ["public"],
            algorithms));
    }

    public sealed record JwksDocument([property: JsonPropertyName("keys")] IReadOnlyList<JwksEntry> Keys);

    /// <summary>One public key: the JWK members RFC 7517/7518 define for RSA and EC public keys, nothing private.</summary>
    public sealed record JwksEntry(
        [property: JsonPropertyName("kty")] string Kty,
        [property: JsonPropertyName("use")] string Use,
        [property: JsonPropertyName("alg")] string Alg,
        [property: JsonPropertyName("kid")] string Kid,
        [property: JsonPropertyName("n"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? N,
        [property: JsonPropertyName("e"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? E,
        [property: JsonPropertyName("crv"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Crv,
        [property: JsonPropertyName("x"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? X,
        [property: JsonPropertyName("y"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Y)
    {
        public static JwksEntry From(JsonWebKey key) =>
            new(key.Kty, key.Use, key.Alg, key.Kid, key.N, key.E, key.Crv, key.X, key.Y);
    }

    public sealed record DiscoveryDocument(
        [property: JsonPropertyName("issuer")] string Issuer,
        [property: JsonPropertyName("jwks_uri")] string JwksUri,
        [property: JsonPropertyName("introspection_endpoint")] string IntrospectionEndpoint,
        [property: JsonPropertyName("introspection_endpoint_auth_methods_supported")] IReadOnlyList<string> IntrospectionAuthMethods,
        [property: JsonPropertyName("revocation_endpoint")] string RevocationEndpoint,
        [property: JsonPropertyName("revocation_endpoint_auth_methods_supported")] IReadOnlyList<string> RevocationAuthMethods,
        [property: JsonPropertyName("subject_types_supported")] IReadOnlyList<string> SubjectTypes,
        // Where stock clients look for the signing algorithm; the access tokens use the same one.
        [property: JsonPropertyName("id_token_signing_alg_values_supported")] IReadOnlyList<string> SigningAlgorithms);
}
