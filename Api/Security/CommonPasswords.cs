namespace Api.Security;

/// <summary>The list of passwords too common to accept, shipped with the API as a resource.</summary>
public static class CommonPasswords
{
    private static readonly Lazy<HashSet<string>> Set = new(Load);

    public static bool Contains(string password) => Set.Value.Contains(password);

    private static HashSet<string> Load()
    {
        using var stream = typeof(CommonPasswords).Assembly.GetManifestResourceStream("common-passwords.txt")
            ?? throw new InvalidOperationException("The common-passwords.txt resource is missing from the build.");
        using var reader = new StreamReader(stream);
        var set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && !line.StartsWith('#'))
            {
                set.Add(line);
            }
        }

        return set;
    }
}
