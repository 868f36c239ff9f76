using System.Security.Cryptography;
using System.Text;
using Hosting.Configuration;

namespace Api.Tokens;

/// <summary>
/// The services allowed to call /auth/introspect (RFC 7662 §2.1), from INTROSPECTION_CLIENTS
/// ("id:secret,id:secret"). Only SHA-256 digests of the secrets are kept, compared in fixed time.
/// </summary>
public sealed class IntrospectionClients
{
    public const int MinimumSecretLength = 16;

    private readonly Dictionary<string, byte[]> _secretDigests;

    private IntrospectionClients(Dictionary<string, byte[]> secretDigests) => _secretDigests = secretDigests;

    public static IntrospectionClients None { get; } = new([]);

    public int Count => _secretDigests.Count;

    public static IntrospectionClients Parse(string? raw)
    {
        var clients = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var pair in (raw ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = pair.IndexOf(':');
            var id = colon > 0 ? pair[..colon] : "";
            var secret = colon > 0 ? pair[(colon + 1)..] : "";
            if (id.Length == 0 || secret.Length < MinimumSecretLength)
            {
                throw new ConfigurationException(
                    $"INTROSPECTION_CLIENTS must be id:secret pairs separated by commas, each secret at least {MinimumSecretLength} characters.");
            }

            if (!clients.TryAdd(id, Digest(secret)))
            {
                throw new ConfigurationException($"INTROSPECTION_CLIENTS names the client '{id}' twice.");
            }
        }

        return new IntrospectionClients(clients);
    }

    /// <summary>The client id when the Authorization header is HTTP Basic with a known pair; otherwise null.</summary>
    public string? Authenticate(string? authorization)
    {
        const string scheme = "Basic ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[scheme.Length..].Trim()));
        }
        catch (FormatException)
        {
            return null;
        }

        var colon = decoded.IndexOf(':');
        if (colon <= 0)
        {
            return null;
        }

        // RFC 6749 §2.3.1: both halves are form-urlencoded before they are joined.
        var id = FormDecode(decoded[..colon]);
        var secret = FormDecode(decoded[(colon + 1)..]);
        if (id is null || secret is null)
        {
            return null;
        }

        // Unknown ids cost the same comparison, so timing does not tell which ids exist.
        var known = _secretDigests.TryGetValue(id, out var expected);
        var matches = CryptographicOperations.FixedTimeEquals(Digest(secret), expected ?? UnknownClient);
        return known && matches ? id : null;
    }

    private static readonly byte[] UnknownClient = new byte[SHA256.HashSizeInBytes];

    private static byte[] Digest(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    private static string? FormDecode(string value)
    {
        try
        {
            return Uri.UnescapeDataString(value.Replace('+', ' '));
        }
        catch (UriFormatException)
        {
            return null;
        }
    }
}
