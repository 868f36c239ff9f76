namespace Grains.Interfaces.Users;

public static class Permission
{
    /// <summary>Grants user management: reading, changing and deleting any user, and granting permissions.</summary>
    public const string Admin = "admin";
}
