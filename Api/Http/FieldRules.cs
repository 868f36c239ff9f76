using System.Text.RegularExpressions;
using Api.Security;

namespace Api.Http;

/// <summary>The rules a user's fields follow (docs/contract.md, User API), shared by registration and update.</summary>
public static partial class FieldRules
{
    public const int MaxEmailLength = 254;
    public const int MaxNameLength = 100;
    public const int MinPasswordLength = 8;
    public const int MaxPasswordLength = 128;
    public const int MaxPermissions = 32;
    public const int MaxPermissionLength = 64;

    /// <summary>What a permission looks like, as the OpenAPI document states it too.</summary>
    public const string PermissionPatternText = "^[a-z][a-z0-9:._-]{0,63}$";

    public static void Email(RequestErrors errors, string field, string? email)
    {
        if (string.IsNullOrWhiteSpace(email))
        {
            errors.Add(field, "is required");
        }
        else if (!IsEmail(email))
        {
            errors.Add(field, "must be an email address such as ada@example.com");
        }
    }

    public static bool IsEmail(string email) => email.Length <= MaxEmailLength && EmailPattern().IsMatch(email.Trim());

    public static void Name(RequestErrors errors, string field, string? name)
    {
        var trimmed = name?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length > MaxNameLength)
        {
            errors.Add(field, $"must be 1 to {MaxNameLength} characters");
        }
        else if (trimmed.Any(char.IsControl))
        {
            errors.Add(field, "must not contain control characters");
        }
    }

    /// <summary>Length and a list of common passwords; no composition rules (OWASP ASVS 5, V6.2).</summary>
    public static void NewPassword(RequestErrors errors, string field, string? password)
    {
        if (password is null || password.Length is < MinPasswordLength or > MaxPasswordLength)
        {
            errors.Add(field, $"must be {MinPasswordLength} to {MaxPasswordLength} characters");
        }
        else if (CommonPasswords.Contains(password))
        {
            errors.Add(field, "is too common; choose a longer or less predictable passphrase");
        }
    }

    public static void Permissions(RequestErrors errors, string field, IReadOnlyList<string?>? permissions)
    {
        if (permissions is null)
        {
            return;
        }

        if (permissions.Count > MaxPermissions)
        {
            errors.Add(field, $"must hold at most {MaxPermissions} permissions");
        }
        else if (permissions.Any(p => p is null || !PermissionPattern().IsMatch(p)))
        {
            errors.Add(field, $"each permission must be lower-case letters, digits, ':', '.', '_' or '-', starting with a letter, at most {MaxPermissionLength} characters");
        }
    }

    // Deliberately plain: one @, no spaces, control or invisible format characters (a zero-width or
    // byte-order mark would make a look-alike of another address), a dot in the domain.
    [GeneratedRegex(@"^[^@\s\p{Cc}\p{Cf}]{1,64}@[^@\s\p{Cc}\p{Cf}.]+(\.[^@\s\p{Cc}\p{Cf}.]+)+$")]
    private static partial Regex EmailPattern();

    [GeneratedRegex(PermissionPatternText)]
    private static partial Regex PermissionPattern();
}
