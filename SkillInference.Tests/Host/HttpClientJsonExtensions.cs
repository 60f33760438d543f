using System.Text;
using System.Text.Json.Nodes;

namespace SkillInference.Tests.Host;

/// <summary>Sends raw JSON (so tests control every byte, malformed bodies included) and reads JSON answers.</summary>
internal static class HttpClientJsonExtensions
{
    public static async Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, string json, string mediaType = "application/json", string? apiKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative))
        {
            Content = new StringContent(json, Encoding.UTF8, mediaType),
        };
        if (apiKey is not null)
        {
            request.Headers.Add("X-Api-Key", apiKey);
        }

        return await client.SendAsync(request);
    }

    public static async Task<JsonNode> ReadJsonAsync(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new AssertFailedException("The response body is JSON null.");

    /// <summary>Each skill's live version, from <c>GET /api/v1/skills/models</c> (readiness says only which skills are not ready).</summary>
    public static async Task<Dictionary<string, string?>> LiveVersionsAsync(this HttpClient client) =>
        (await client.GetJsonAsync("/api/v1/skills/models"))["skills"]!.AsArray()
            .Where(s => s!["live"] is not null)
            .ToDictionary(s => s!["skill"]!.GetValue<string>(), s => s!["live"]?.GetValue<string>());

    public static async Task<JsonNode> GetJsonAsync(this HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.AreEqual(System.Net.HttpStatusCode.OK, response.StatusCode, $"GET {path}");
        return await response.ReadJsonAsync();
    }
}
