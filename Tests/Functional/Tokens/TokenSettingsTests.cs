using Api.Tokens;
using Hosting.Configuration;
using Microsoft.Extensions.Configuration;

namespace Tests.Tokens;

/// <summary>A bad token setting stops the process at start with one line naming it.</summary>
public sealed class TokenSettingsTests
{
    private static readonly string GoodKey = Convert.ToBase64String(new byte[32]);

    [Theory]
    [InlineData("JWT_ALGORITHM", "PS256", null, "JWT_ALGORITHM")]
    [InlineData("JWT_ALGORITHM", "RS256", null, "JWT_KEY_ENCRYPTION_KEY")]
    [InlineData("JWT_KEY_ENCRYPTION_KEY", "c2hvcnQ=", "RS256", "JWT_KEY_ENCRYPTION_KEY")]
    [InlineData("JWT_KEY_ENCRYPTION_KEY", "not base64!", "ES256", "JWT_KEY_ENCRYPTION_KEY")]
    [InlineData("JWT_KEY_PUBLISH_AHEAD", "30.00:00:00", null, "JWT_KEY_PUBLISH_AHEAD")]
    [InlineData("JWT_KEY_PUBLISH_AHEAD", "00:01:00", null, "JWT_KEY_PUBLISH_AHEAD")]
    [InlineData("JWT_SECRET_PREVIOUS", "too-short", null, "JWT_SECRET_PREVIOUS")]
    [InlineData("INTROSPECTION_CLIENTS", "billing", null, "INTROSPECTION_CLIENTS")]
    [InlineData("INTROSPECTION_CLIENTS", "billing:short", null, "INTROSPECTION_CLIENTS")]
    [InlineData("INTROSPECTION_CLIENTS", "a:0123456789abcdef,a:fedcba9876543210", null, "INTROSPECTION_CLIENTS")]
    public void A_bad_value_in_a_cluster_is_refused_naming_the_setting(string key, string value, string? algorithm, string named)
    {
        var settings = new Dictionary<string, string?> { [key] = value };
        if (algorithm is not null)
        {
            settings["JWT_ALGORITHM"] = algorithm;
        }

        var error = Assert.Throws<ConfigurationException>(() =>
            TokenSettings.From(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), embedded: false, signs: true));

        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void Only_a_front_end_that_signs_needs_the_encryption_key()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["JWT_ALGORITHM"] = "RS256" }).Build();

        var userApi = TokenSettings.From(config, embedded: false, signs: false);
        var embedded = TokenSettings.From(config, embedded: true, signs: true);

        Assert.Null(userApi.KeyEncryptionKey);
        Assert.True(embedded.KeyEncryptionKeyGenerated);
        Assert.Equal(32, embedded.KeyEncryptionKey!.Length);
        Assert.Equal(TokenAlgorithm.RS256, TokenSettings.From(
            new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["JWT_ALGORITHM"] = "rs256", ["JWT_KEY_ENCRYPTION_KEY"] = GoodKey }).Build(),
            embedded: false,
            signs: true).Algorithm);
    }
}
