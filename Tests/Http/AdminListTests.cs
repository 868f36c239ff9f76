using System.Net;

using Tests.Infrastructure;

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
        var admin = await api.SignInAsAdmin();
        for (var i = 0; i < 3; i++)
        {
            await api.SignUp();
        }

        var first = await Poll.Until(async () =>
            await (await api.Users.Send(HttpMethod.Get, "/user?page=1&pageSize=2", token: admin.AccessToken)).Json(),
            json => json.GetProperty("total").GetInt64() >= 4);
        var total = first.GetProperty("total").GetInt64();
        var beyond = await (await api.Users.Send(HttpMethod.Get, $"/user?page={total + 5}&pageSize=2", token: admin.AccessToken)).Json();
        var wide = await (await api.Users.Send(HttpMethod.Get, "/user?pageSize=100", token: admin.AccessToken)).Json();

        // Other tests keep registering users meanwhile, so totals only ever grow between the calls.
        Assert.Equal(2, first.GetProperty("items").GetArrayLength());
        Assert.Equal(0, beyond.GetProperty("items").GetArrayLength());
        Assert.True(beyond.GetProperty("total").GetInt64() >= total);
        Assert.Equal(Math.Min(wide.GetProperty("total").GetInt64(), 100), wide.GetProperty("items").GetArrayLength());
        var ids = wide.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
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

        await (await api.Users.Send(HttpMethod.Get, $"/user?{query}", token: admin.AccessToken)).AssertProblem(HttpStatusCode.BadRequest);
    }
}
