using System.Text;
using Grains.Interfaces.Users;
using Orleans.Runtime;

namespace Silo.Events;

/// <summary>
/// CloudEvents 1.0 headers of a user-event record (the Kafka protocol binding, binary mode): the value stays the
/// event's JSON, and a consumer that speaks CloudEvents finds id, type, source, subject and time in ce_* headers.
/// </summary>
internal static class UserEventHeaders
{
    public const string Source = "/auth/users";

    public static IEnumerable<KeyValuePair<string, byte[]>> For(StreamId stream, object? item)
    {
        if (item is not string json)
        {
            return [];
        }

        UserEvent e;
        try
        {
            e = UserEvent.FromJson(json);
        }
        catch (System.Text.Json.JsonException)
        {
            // Not a user event: it travels without CloudEvents headers rather than not at all.
            return [];
        }

        return
        [
            Header("ce_specversion", "1.0"),
            Header("ce_id", e.Id.ToString()),
            Header("ce_source", Source),
            Header("ce_type", e.Type),
            Header("ce_subject", e.UserId.ToString()),
            Header("ce_time", e.OccurredAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture)),
            Header("content-type", "application/json"),
        ];
    }

    private static KeyValuePair<string, byte[]> Header(string name, string value) => new(name, Encoding.UTF8.GetBytes(value));
}
