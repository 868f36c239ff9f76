using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;

namespace Api.Http;

/// <summary>
/// A 200 whose JSON body was encoded beforehand: written as bytes, with what <c>Ok&lt;T&gt;</c> would write (its
/// content type, its bytes) and described to OpenAPI the same way, as a <typeparamref name="T"/>.
/// </summary>
public sealed class EncodedJson<T>(byte[] utf8Json) : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult
{
    public int? StatusCode => StatusCodes.Status200OK;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = utf8Json.Length;
        return response.Body.WriteAsync(utf8Json, httpContext.RequestAborted).AsTask();
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(T), ["application/json"]));
}
