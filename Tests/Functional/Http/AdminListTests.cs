using System.Net;
using System.Text.Json;

using Tests.Infrastructure;
using TestSupport.OpenApi;

namespace Tests.Http;

[Collection(FrontEnds.Name)]
public sealed class AdminListTests(FrontEndsFixture api)
{
    [Fact]
    public async Task An_admin_finds_a_user_by_email_once_the_read_model_has_caught_up()
    {
        var admin = await api.SignInAsAdmin();
        var user = await api.SignUp();

        var page = await Poll.Until(async () =>
            await (await api.Users.Send(HttpMethod.Get, $"/user?email={Uri.EscapeDataString(user.Email.ToUpperInvariant())}", token: admin.AccessToken)).Json(),
            json => json.GetProperty("total").GetInt64() == 1);

        var item = page.GetProperty("items").EnumerateArray().Single();
        Assert.Equal(user.UserId, item.GetProperty("id").GetGuid());
        Assert.Equal((1, 20), (page.GetProperty("page").GetInt32(), page.GetProperty("pageSize").GetInt32()));
        Assert.False(item.TryGetProperty("passwordHash", out _));
    }

    [Fact]
    public async Task Pages_hold_at_most_page_size_items_and_count_them_all()
    {
        // A cluster of its own, so that exactly the bootstrap admin and these three users exist.
        var own = new FrontEndsFixture();
        await own.InitializeAsync();
        try
        {
            var admin = await own.SignInAsAdmin();
            var registered = new List<Guid> { admin.UserId };
            for (var i = 0; i < 3; i++)
            {
                registered.Add((await own.SignUp()).UserId);
            }

            var wide = await Poll.Until(() => Page(own, admin, "pageSize=100"), json => json.GetProperty("total").GetInt64() == 4, seconds: 60);
            var first = await Page(own, admin, "page=1&pageSize=3");
            var second = await Page(own, admin, "page=2&pageSize=3");
            var beyond = await Page(own, admin, "page=7&pageSize=3");

            Assert.Equal(4, wide.GetProperty("total").GetInt64());
            Assert.Equal(registered.Order(), Ids(wide).Order());
            Assert.Equal((4, 3), (first.GetProperty("total").GetInt64(), first.GetProperty("items").GetArrayLength()));
            Assert.Equal((4, 1), (second.GetProperty("total").GetInt64(), second.GetProperty("items").GetArrayLength()));
            Assert.Equal((4, 0), (beyond.GetProperty("total").GetInt64(), beyond.GetProperty("items").GetArrayLength()));
            // The pages split the list without overlap or gap, in the list's own order.
            Assert.Equal(Ids(wide), [.. Ids(first), .. Ids(second)]);
        }
        finally
        {
            await own.DisposeAsync();
        }
    }

    private static async Task<JsonElement> Page(FrontEndsFixture api, Session admin, string query) =>
        await (await api.Users.Send(HttpMethod.Get, $"/user?{query}", token: admin.AccessToken)).Json();

    private static List<Guid> Ids(JsonElement page) =>
        [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid())];

    [Fact]
    public async Task A_deleted_user_leaves_the_list_kept_in_PostgreSQL()
    {
        var admin = await api.SignInAsAdmin();
        var (kept, deleted) = (await api.SignUp(), await api.SignUp());
        await Poll.Until(() => Page(api, admin, $"email={Uri.EscapeDataString(deleted.Email)}"), json => json.GetProperty("total").GetInt64() == 1, seconds: 60);

        Assert.Equal(HttpStatusCode.NoContent, (await api.Users.Send(HttpMethod.Delete, $"/user/{deleted.UserId}", token: admin.AccessToken)).StatusCode);

        var gone = await Poll.Until(() => Page(api, admin, $"email={Uri.EscapeDataString(deleted.Email)}"), json => json.GetProperty("total").GetInt64() == 0, seconds: 60);
        Assert.Equal((0, 0), (gone.GetProperty("total").GetInt64(), gone.GetProperty("items").GetArrayLength()));
        Assert.Equal(1, (await Page(api, admin, $"email={Uri.EscapeDataString(kept.Email)}")).GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task A_user_that_is_not_an_admin_gets_403()
    {
        var user = await api.SignUp();

        await (await api.Users.Send(HttpMethod.Get, "/user", token: user.AccessToken)).AssertProblem(HttpStatusCode.Forbidden, "forbidden");
        await (await api.Users.Send(HttpMethod.Get, "/user")).AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("page=0")]
    [InlineData("page=-1")]
    [InlineData("page=abc")]
    [InlineData("pageSize=101")]
    [InlineData("pageSize=0")]
    [InlineData("email=not-an-email")]
    public async Task Bad_paging_or_filter_values_are_400(string query)
    {
        var admin = await api.SignInAsAdmin();

        using var invalid = DeliberatelyInvalid.Requests();
        await (await api.Users.Send(HttpMethod.Get, $"/user?{query}", token: admin.AccessToken)).AssertProblem(HttpStatusCode.BadRequest);
    }
}
