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
