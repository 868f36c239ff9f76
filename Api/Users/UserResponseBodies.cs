using System.Runtime.CompilerServices;
using System.Text.Json;
using Api.Security;
using Grains.Interfaces.Users;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Api.Users;

/// <summary>
/// The JSON of a <see cref="UserResponse"/>, encoded once per user copy the front end holds (<see cref="FrontEndCache"/>)
/// rather than serialised on every <c>GET /auth/me</c>. Keyed on that copy itself: a changed user arrives as a new copy
/// and gets its own encoding, and an encoding goes when its copy does. While the cache is not trusted every request
/// brings a fresh copy from the grain, so its encoding is not kept.
/// </summary>
public sealed class UserResponseBodies
{
    private readonly ConditionalWeakTable<UserView, byte[]> _bodies = new();
    private readonly ConditionalWeakTable<UserView, byte[]>.CreateValueCallback _encode;
    private readonly FrontEndCache _cache;

    public UserResponseBodies(FrontEndCache cache, IOptions<JsonOptions> json)
    {
        var options = json.Value.SerializerOptions;
        _cache = cache;
        _encode = user => JsonSerializer.SerializeToUtf8Bytes(UserResponse.From(user), options);
    }

    public byte[] For(UserView user) => _cache.Trusted ? _bodies.GetValue(user, _encode) : _encode(user);
}
