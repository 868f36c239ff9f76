using Tests.Http;

namespace Tests.Security;

/// <summary>How many users the admin list counts, once it has stopped moving.</summary>
public static class UserDirectory
{
    /// <summary>
    /// The read model trails writes by the event lag, and other tests of the collection registered users
    /// just before: wait until two reads a moment apart agree, so a later difference is ours.
    /// </summary>
    public static async Task<long> SettledCount(FrontEndsFixture api, Session admin)
    {
        var last = await Count(api, admin);
        for (var i = 0; i < 50; i++)
        {
            await Task.Delay(300);
            var now = await Count(api, admin);
            if (now == last)
            {
                return now;
            }

            last = now;
        }

        return last;
    }

    private static async Task<long> Count(FrontEndsFixture api, Session admin) =>
        (await (await api.Users.Send(HttpMethod.Get, "/user?pageSize=1", token: admin.AccessToken)).Json()).GetProperty("total").GetInt64();
}
