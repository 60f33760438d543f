using System.Net;
using SkillInference.Tests.Host;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Security;

/// <summary>Finding 2: limits enforced before anything large is held — body sizes per endpoint, the explanation budget, per-client rate limits.</summary>
[TestClass]
public sealed class LimitsTests
{
    [TestMethod]
    public async Task InferBatch_NineMillionEmptyItems_Is413BeforeTheBodyIsRead()
    {
        await using var factory = new SkillInferenceHostFactory(SampleStore.Path);
        using var client = factory.CreateClient();
        using var response = await client.PostJsonAsync("/api/v1/skills/infer/batch", "{\"items\":[" + string.Concat(Enumerable.Repeat("{},", 6_000_000)) + "{}]}");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [TestMethod]
    public async Task Infer_BodyOverItsLimit_Is413()
    {
        await using var factory = new SkillInferenceHostFactory(SampleStore.Path);
        using var client = factory.CreateClient();

        using var response = await client.PostJsonAsync("/api/v1/skills/infer", "{\"skill\":\"collaboration\",\"features\":{},\"studentId\":\"" + new string('x', 100_000) + "\"}");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    /// <summary>
    /// A chunked body (no Content-Length) is measured while it is read: past the endpoint's limit it is a 413, within it
    /// it is read whole. Over Kestrel the server enforces the limit on its own body reader; the test server has no such
    /// feature and the middleware counts through a stream.
    /// </summary>
    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public async Task InferBatch_ChunkedBodies_AreLimitedWhileRead(bool kestrel)
    {
        await using var factory = new SkillInferenceHostFactory(SampleStore.Path, new Dictionary<string, string?> { ["SkillInference:Limits:MaxBatchBodyBytes"] = "4096" });
        if (kestrel)
        {
            factory.UseKestrel(0);
            factory.StartServer();
        }

        using var client = await factory.CreateReadyClientAsync();
        var item = "{\"skill\":\"collaboration\",\"features\":{\"politeness\":0.5}}";
        var within = "{\"items\":[" + string.Join(',', Enumerable.Repeat(item, 40)) + "]}";
        var past = "{\"items\":[" + string.Join(',', Enumerable.Repeat(item, 100)) + "]}";
        Assert.IsLessThan(4096, within.Length);
        Assert.IsGreaterThan(4096, past.Length);

        using (var response = await PostChunkedAsync(client, "/api/v1/skills/infer/batch", past))
        {
            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        }

        using (var response = await PostChunkedAsync(client, "/api/v1/skills/infer/batch", within))
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, body);
            Assert.HasCount(40, System.Text.Json.Nodes.JsonNode.Parse(body)!["results"]!.AsArray());
        }
    }

    private static async Task<HttpResponseMessage> PostChunkedAsync(HttpClient client, string path, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative))
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.TransferEncodingChunked = true;
        return await client.SendAsync(request);
    }

    [TestMethod]
    public async Task InferBatch_MoreExplanationsThanTheBudget_Is400NamingTheItem()
    {
        await using var factory = new SkillInferenceHostFactory(SampleStore.Path, new Dictionary<string, string?> { ["SkillInference:Limits:MaxExplanationsPerRequest"] = "2" });
        using var client = factory.CreateClient();
        var item = "{\"skill\":\"collaboration\",\"features\":{},\"explain\":true}";

        using var response = await client.PostJsonAsync("/api/v1/skills/infer/batch", $"{{\"items\":[{item},{item},{item}]}}");

        await ProblemAssert.HasFieldErrorAsync(response, HttpStatusCode.BadRequest, "items[2].explain");
    }

    [TestMethod]
    public async Task Requests_OverTheClientsRate_Are429WithRetryAfter()
    {
        await using var factory = new SkillInferenceHostFactory(SampleStore.Path, new Dictionary<string, string?>
        {
            ["SkillInference:Limits:PermitsPerSecond"] = "1",
            ["SkillInference:Limits:Burst"] = "3",
        });
        using var client = factory.CreateClient();
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 10 && limited is null; i++)
        {
            var response = await client.GetAsync(new Uri("/api/v1/skills/models", UriKind.Relative));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                response.Dispose();
            }
        }

        Assert.IsNotNull(limited, string.Join(", ", statuses));
        using (limited)
        {
            await ProblemAssert.IsProblemAsync(limited, HttpStatusCode.TooManyRequests);
            Assert.IsTrue(limited.Headers.RetryAfter is not null, "Retry-After");
        }

        using var probe = await client.GetAsync(new Uri("/health/live", UriKind.Relative));
        Assert.AreEqual(HttpStatusCode.OK, probe.StatusCode, "the probes are never limited");
    }
}
