namespace Api.Security;

/// <summary>What verifying a password against its stored hash found.</summary>
public enum PasswordCheck
{
    Failed,
    Succeeded,
    SucceededNeedsRehash,
}
