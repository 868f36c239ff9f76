using System.Globalization;

namespace Api.Http;

/// <summary>A user's version is its entity tag: <c>ETag: "7"</c> out, <c>If-Match: "7"</c> in.</summary>
public static class EntityTags
{
    public static void SetETag(this HttpResponse response, long version) =>
        response.Headers.ETag = $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    /// <summary>
    /// Reads If-Match: absent or <c>*</c> gives no expectation; one quoted version gives that version;
    /// anything else is malformed.
    /// </summary>
    public static bool TryReadIfMatch(this HttpRequest request, out long? expectedVersion)
    {
        expectedVersion = null;
        var raw = request.Headers.IfMatch.ToString().Trim();
        if (raw.Length == 0 || raw == "*")
        {
            return true;
        }

        if (raw.Length > 2 && raw[0] == '"' && raw[^1] == '"'
            && long.TryParse(raw.AsSpan(1, raw.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            expectedVersion = version;
            return true;
        }

        return false;
    }
}
