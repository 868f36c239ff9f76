namespace Grains.Interfaces.Users;

public static class EmailAddress
{
    /// <summary>The key under which an address is unique: case-insensitive, surrounding spaces ignored.</summary>
    public static string Normalize(string email) => email.Trim().ToLowerInvariant();
}
