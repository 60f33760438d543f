using System.Net;

namespace SkillInference.Tests.Host;

/// <summary>Every kind of bad input to /infer: problem details naming the field, never a 500, never an echoed value.</summary>
[TestClass]
public sealed class InferProblemTests
{
    private const string Path = "/api/v1/skills/infer";

    // Distinctive values: a problem body must never contain what the caller sent.
    private const string Distinct = "123.456789";
    private const string OutOfRange = "1234.56789";

    private static SkillInferenceHostFactory _factory = null!;
    private static HttpClient _client = null!;

    [ClassInitialize]
    public static async Task ClassInitializeAsync(TestContext context)
    {
        _factory = SkillInferenceHostFactory.OverSampleCopy();
        _client = await _factory.CreateReadyClientAsync();
    }

    [ClassCleanup]
    public static async Task ClassCleanupAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    [TestMethod]
    public async Task Infer_MissingSkill_Returns400NamingSkill()
    {
        using var response = await _client.PostJsonAsync(Path, $$$"""{"features":{"peer_replies_per_week":{{{Distinct}}}}}""");

        await ProblemAssert.HasFieldErrorAsync(response, HttpStatusCode.BadRequest, "skill", Distinct);
    }

    [TestMethod]
    public async Task Infer_MissingFeatures_Returns400NamingFeatures()
    {
        using var response = await _client.PostJsonAsync(Path, """{"skill":"collaboration","studentId":"s-1"}""");

        await ProblemAssert.HasFieldErrorAsync(response, HttpStatusCode.BadRequest, "features");
    }

    [TestMethod]
    public async Task Infer_MalformedJson_Returns400()
    {
        using var response = await _client.PostJsonAsync(Path, $$$"""{"skill":"collaboration","features":{"peer_replies_per_week":{{{Distinct}}}}""");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, Distinct);
    }

    [TestMethod]
    public async Task Infer_JsonArrayBody_Returns400()
    {
        using var response = await _client.PostJsonAsync(Path, $$$"""[{"skill":"collaboration","features":{"peer_replies_per_week":{{{Distinct}}}}}]""");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, Distinct);
    }

    [TestMethod]
    public async Task Infer_StringWhereNumberExpected_Returns400NamingTheFeature()
    {
        using var response = await _client.PostJsonAsync(Path, $$$"""{"skill":"collaboration","features":{"peer_replies_per_week":"{{{Distinct}}}"}}""");

        await ProblemAssert.HasFieldErrorAsync(response, HttpStatusCode.BadRequest, "features.peer_replies_per_week", Distinct);
    }

    [TestMethod]
    public async Task Infer_DuplicateProperty_Returns400NamingIt()
    {
        using var response = await _client.PostJsonAsync(Path, $$$"""{"skill":"collaboration","features":{"peer_replies_per_week":3,"peer_replies_per_week":{{{Distinct}}}}}""");

        var messages = await ProblemAssert.HasFieldErrorAsync(response, HttpStatusCode.BadRequest, "features.peer_replies_per_week", Distinct);
        Assert.Contains("repeats", messages[0]);
    }

    [TestMethod]
    [DataRow("NaN")]
    [DataRow("Infinity")]
    [DataRow("-Infinity")]
    public async Task Infer_NonFiniteLiteral_Returns400NamingTheFeature(string literal)
    {
        using var response = await _client.PostJsonAsync(Path, $$$"""{"skill":"collaboration","features":{"peer_replies_per_week":{{{literal}}}}}""");

        await ProblemAssert.HasFieldErrorAsync(response, HttpStatusCode.BadRequest, "features.peer_replies_per_week");
    }

    [TestMethod]
    public async Task Infer_NumberOverflowingDouble_Returns422NotFinite()
    {
        using var response = await _client.PostJsonAsync(Path, """{"skill":"collaboration","features":{"peer_replies_per_week":1e400}}""");

        var messages = await ProblemAssert.HasFieldErrorAsync(response, HttpStatusCode.UnprocessableEntity, "features.peer_replies_per_week", "1e400");
        Assert.Contains("finite", messages[0]);
    }

    [TestMethod]
    public async Task Infer_UnknownFeature_Returns422NamingIt()
    {
        using var response = await _client.PostJsonAsync(Path, $$$"""{"skill":"collaboration","features":{"peer_replies_per_week":3,"peer_replys_per_week":{{{Distinct}}}}}""");

        await ProblemAssert.HasFieldErrorAsync(response, HttpStatusCode.UnprocessableEntity, "features.peer_replys_per_week", Distinct);
    }

    [TestMethod]
    public async Task Infer_ValueOutOfRange_Returns422NamingTheFeatureWithoutTheValue()
    {
        using var response = await _client.PostJsonAsync(Path, $$$"""{"skill":"collaboration","features":{"peer_replies_per_week":3,"politeness":{{{OutOfRange}}}}}""");

        var messages = await ProblemAssert.HasFieldErrorAsync(response, HttpStatusCode.UnprocessableEntity, "features.politeness", OutOfRange);
        Assert.Contains("range", messages[0]);
    }

    [TestMethod]
    public async Task Infer_RequiredFeatureMissing_Returns422NamingIt()
    {
        using var response = await _client.PostJsonAsync(Path, """{"skill":"collaboration","features":{"politeness":0.5,"peer_replies_per_week":null}}""");

        var messages = await ProblemAssert.HasFieldErrorAsync(response, HttpStatusCode.UnprocessableEntity, "features.peer_replies_per_week");
        Assert.Contains("required", messages[0]);
    }

    [TestMethod]
    public async Task Infer_SeveralBadFeatures_NamesEachOfThem()
    {
        using var response = await _client.PostJsonAsync(Path, $$$"""{"skill":"collaboration","features":{"politeness":{{{OutOfRange}}},"bogus":{{{Distinct}}}}}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity, OutOfRange, Distinct);
        CollectionAssert.AreEquivalent(
            new[] { "features.politeness", "features.bogus", "features.peer_replies_per_week" },
            problem["errors"]!.AsObject().Select(kv => kv.Key).ToArray());
    }

    [TestMethod]
    public async Task Infer_UnknownSkill_Returns404()
    {
        using var response = await _client.PostJsonAsync(Path, $$$"""{"skill":"telepathy","features":{"peer_replies_per_week":{{{Distinct}}}}}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, Distinct);
        Assert.Contains("telepathy", problem["detail"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task Infer_WrongContentType_Returns415()
    {
        using var response = await _client.PostJsonAsync(Path, $$$"""{"skill":"collaboration","features":{"peer_replies_per_week":{{{Distinct}}}}}""", mediaType: "text/plain");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType, Distinct);
    }

    [TestMethod]
    public async Task Infer_StudentIdLongerThan128_Returns400NamingStudentId()
    {
        var studentId = new string('s', 129);

        using var response = await _client.PostJsonAsync(Path, $$$"""{"skill":"collaboration","studentId":"{{{studentId}}}","features":{"peer_replies_per_week":3}}""");

        await ProblemAssert.HasFieldErrorAsync(response, HttpStatusCode.BadRequest, "studentId", studentId);
    }

    [TestMethod]
    public async Task Infer_StudentIdOf128_IsAccepted()
    {
        using var response = await _client.PostJsonAsync(Path, $$$"""{"skill":"collaboration","studentId":"{{{new string('s', 128)}}}","features":{"peer_replies_per_week":3}}""");

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
    }
}
