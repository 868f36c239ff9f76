using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Serialization;
using Orleans.Storage;

namespace Grains;

/// <summary>
/// How grain state is stored in both stores: Orleans' own binary format (the state types' <c>[Id]</c>s, no type or
/// field names), read back with a fallback to the Newtonsoft JSON with <c>$type</c> names that Orleans' default
/// storage serializer wrote until this format came in, so records stored before an upgrade still load; the next
/// write of each one stores it in the binary format.
/// </summary>
/// <remarks>
/// Orleans tries the binary reader first and the JSON reader only if that throws. A JSON record opens with
/// <c>{"$id":"1","$type":"…</c> for every state type, which the binary reader rejects at its first bytes, so
/// which reader takes a record never depends on the record's contents.
/// </remarks>
public static class StoredFormat
{
    /// <summary>Stores grain state of the provider named <paramref name="storageName"/> in the compact format.</summary>
    /// <remarks>
    /// Keyed by provider name, as Orleans' storage options look it up when none is set; TryAdd, so a registration made
    /// first (a test writing records as an older release did) is kept.
    /// </remarks>
    public static IServiceCollection AddCompactStoredFormat(this IServiceCollection services, string storageName)
    {
        services.TryAddKeyedSingleton<IGrainStorageSerializer>(storageName, (provider, _) => Create(provider));
        return services;
    }

    public static IGrainStorageSerializer Create(IServiceProvider services) =>
        new GrainStorageSerializer(
            new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>()),
            new JsonGrainStorageSerializer(services.GetRequiredService<OrleansJsonSerializer>()));
}
