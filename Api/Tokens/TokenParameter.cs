using System.Text.Json;
using Api.Auth;

namespace Api.Tokens;

/// <summary>
/// The <c>token</c> of an introspection or revocation request: a form field as RFC 7662 and RFC 7009
/// send it, or <c>{"token": …}</c> as docs/contract.md, Auth API does.
/// </summary>
public static class TokenParameter
{
    // Far above any token this service issues; longer input is not worth parsing.
    public const int MaxTokenLength = 8192;

    public enum Outcome
    {
        Read,
        Missing,
        Malformed,
        UnsupportedMediaType,
    }

    public static async Task<(Outcome Outcome, string? Token)> Read(HttpRequest request, CancellationToken cancellationToken)
    {
        string? token;
        try
        {
            if (request.HasFormContentType)
            {
                var form = await request.ReadFormAsync(cancellationToken);
                if (form["token"].Count > 1)
                {
                    return (Outcome.Malformed, null);
                }

                token = form["token"].ToString();
            }
            else if (request.HasJsonContentType())
            {
                token = (await request.ReadFromJsonAsync<IntrospectRequest>(cancellationToken))?.Token;
            }
            else
            {
                return (Outcome.UnsupportedMediaType, null);
            }
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or BadHttpRequestException { StatusCode: StatusCodes.Status400BadRequest })
        {
            return (Outcome.Malformed, null);
        }

        return string.IsNullOrEmpty(token) ? (Outcome.Missing, null) : (Outcome.Read, token);
    }
}
