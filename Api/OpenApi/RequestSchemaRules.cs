using System.Reflection;
using System.Text.Json.Serialization;
using Api.Account;
using Api.Auth;
using Api.Http;
using Api.Users;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Api.OpenApi;

/// <summary>
/// Request bodies as the validators read them: which fields are required, their lengths and formats, and
/// no unknown fields (the records that refuse them). The limits are FieldRules' own constants, so the
/// document cannot drift from what is enforced.
/// </summary>
public sealed class RequestSchemaRules : IOpenApiSchemaTransformer
{
    private static readonly FieldSchema Email = new(true, 1, FieldRules.MaxEmailLength, "email");
    private static readonly FieldSchema Name = new(true, 1, FieldRules.MaxNameLength);
    private static readonly FieldSchema NewPassword = new(true, FieldRules.MinPasswordLength, FieldRules.MaxPasswordLength);
    private static readonly FieldSchema Password = new(true, 1, FieldRules.MaxPasswordLength);
    private static readonly FieldSchema MailedToken = new(true, 1, AccountTokens.MaxLength);
    private static readonly FieldSchema Code = new(true, 1, AccountApi.MaxCodeLength);
    private static readonly FieldSchema Token = new(true, 1);

    private static readonly FieldSchema Permissions = new(false)
    {
        MaxItems = FieldRules.MaxPermissions,
        Items = new FieldSchema(true, 1, FieldRules.MaxPermissionLength, Pattern: FieldRules.PermissionPatternText),
    };

    private static readonly Dictionary<Type, Dictionary<string, FieldSchema>> Rules = new()
    {
        [typeof(LoginRequest)] = new() { ["email"] = Email, ["password"] = Password },
        [typeof(RefreshRequest)] = new() { ["refreshToken"] = Token },
        [typeof(IntrospectRequest)] = new() { ["token"] = Token },
        [typeof(CreateUserRequest)] = new() { ["name"] = Name, ["email"] = Email, ["password"] = NewPassword, ["permissions"] = Permissions },
        [typeof(UpdateUserRequest)] = new()
        {
            ["name"] = Name with { Required = false },
            ["email"] = Email with { Required = false },
            ["password"] = NewPassword with { Required = false },
            ["currentPassword"] = Password with { Required = false },
            ["permissions"] = Permissions,
        },
        [typeof(DeleteUserRequest)] = new() { ["currentPassword"] = Password with { Required = false } },
        [typeof(ForgotPasswordRequest)] = new() { ["email"] = Email },
        [typeof(ResetPasswordRequest)] = new() { ["token"] = MailedToken, ["newPassword"] = NewPassword },
        [typeof(VerifyEmailRequest)] = new() { ["token"] = MailedToken },
        [typeof(TotpSetupRequest)] = new() { ["currentPassword"] = Password },
        [typeof(TotpConfirmRequest)] = new() { ["code"] = Code },
        [typeof(TotpDisableRequest)] = new() { ["currentPassword"] = Password, ["code"] = Code },
        [typeof(MfaLoginRequest)] = new() { ["mfaTicket"] = MailedToken, ["code"] = Code },
    };

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if (context.JsonPropertyInfo is not null || !Rules.TryGetValue(type, out var fields))
        {
            return Task.CompletedTask;
        }

        if (type.GetCustomAttribute<JsonUnmappedMemberHandlingAttribute>()?.UnmappedMemberHandling == JsonUnmappedMemberHandling.Disallow)
        {
            schema.AdditionalPropertiesAllowed = false;
        }

        schema.Required = new HashSet<string>(fields.Where(f => f.Value.Required).Select(f => f.Key));
        foreach (var (name, field) in fields)
        {
            if (schema.Properties is { } properties && properties.TryGetValue(name, out var found) && found is OpenApiSchema property)
            {
                field.ApplyTo(property);
            }
            else
            {
                throw new InvalidOperationException($"{type.Name} has no member '{name}' for its schema rule.");
            }
        }

        return Task.CompletedTask;
    }
}
