namespace Hosting;

/// <summary>
/// <c>dotnet App.dll probe URL</c>: exits 0 when the URL answers 2xx. Container images have no curl,
/// so the health checks in docker-compose call the app itself.
/// </summary>
public static class HealthProbe
{
    public static bool IsRequested(string[] args) => args is ["probe", _];

    public static async Task<int> Run(string url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using var response = await http.GetAsync(url);
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return 1;
        }
    }
}
