using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Data.Sqlite;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Host.Monitoring;

/// <summary><c>POST /api/v1/feedback/teacher-ratings</c>: per-item validation, idempotent upsert into the embedded database.</summary>
[TestClass]
public sealed class TeacherRatingsEndpointTests
{
    private const string Path = "/api/v1/feedback/teacher-ratings";
    private static SkillInferenceHostFactory _factory = null!;
    private static HttpClient _client = null!;

    [ClassInitialize]
    public static async Task ClassInitializeAsync(TestContext context)
    {
        _factory = new SkillInferenceHostFactory(TempDirectory.Create("ratings-store"));
        _client = await _factory.CreateInitializedClientAsync();
    }

    [ClassCleanup]
    public static async Task ClassCleanupAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    private static string DatabasePath => System.IO.Path.Combine(_factory.StorePath.TrimEnd('/', '\\') + "-db", "skills.db");

    private static async Task<List<(string Student, string Skill, long Rating, string RatedAt)>> StoredAsync(string studentPrefix)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT student_id, skill, rating, rated_at FROM teacher_ratings WHERE student_id LIKE @p ORDER BY student_id, skill";
        command.Parameters.AddWithValue("p", studentPrefix + "%");
        var rows = new List<(string, string, long, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3)));
        }

        return rows;
    }

    [TestMethod]
    public async Task PostTeacherRatings_MixedItems_StoresValidOnesAndReportsEachInvalidField()
    {
        using var response = await _client.PostJsonAsync(Path, """
            {"ratings":[
              {"studentId":"mix-1","skill":"collaboration","rating":4,"ratedAt":"2026-11-30T09:00:00Z"},
              {"studentId":"mix-2","skill":"collaboration","rating":6,"ratedAt":"2026-11-30T09:00:00Z"},
              {"studentId":"mix-3","skill":"Not A Skill","rating":2.5,"ratedAt":"2026-11-30T09:00:00"},
              {"studentId":"mix-4","skill":"critical_thinking","rating":1,"ratedAt":"2026-11-30T10:30:00+01:00"},
              {"studentId":"mix-5","skill":"collaboration","rating":3,"ratedAt":"2999-01-01T00:00:00Z"},
              null
            ]}
            """);
        var body = await response.ReadJsonAsync();

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, body.ToJsonString());
        Assert.AreEqual(2, body["accepted"]!.GetValue<int>());
        Assert.AreEqual(4, body["rejected"]!.GetValue<int>());
        var errors = body["errors"]!.AsArray().Select(e => (e!["index"]!.GetValue<int>(), e["field"]!.GetValue<string>())).ToArray();
        CollectionAssert.AreEqual(
            new[] { (1, "ratings[1].rating"), (2, "ratings[2].skill"), (2, "ratings[2].rating"), (2, "ratings[2].ratedAt"), (4, "ratings[4].ratedAt"), (5, "ratings[5]") },
            errors);
        Assert.DoesNotContain("mix-", body.ToJsonString(), "errors must not echo student ids");

        var stored = await StoredAsync("mix-");
        Assert.HasCount(2, stored);
        Assert.AreEqual(("mix-1", "collaboration", 4L, "2026-11-30T09:00:00.0000000Z"), stored[0]);
        Assert.AreEqual(("mix-4", "critical_thinking", 1L, "2026-11-30T09:30:00.0000000Z"), stored[1], "stored in UTC");
    }

    [TestMethod]
    public async Task PostTeacherRatings_SentAgainAndCorrected_KeepsOneRowWithTheCorrection()
    {
        const string First = """{"ratings":[{"studentId":"fix-1","skill":"creativity","rating":2,"ratedAt":"2026-11-01T08:00:00Z"}]}""";
        using (var once = await _client.PostJsonAsync(Path, First))
        using (var twice = await _client.PostJsonAsync(Path, First))
        {
            Assert.AreEqual(HttpStatusCode.OK, once.StatusCode);
            Assert.AreEqual(HttpStatusCode.OK, twice.StatusCode);
        }

        CollectionAssert.AreEqual(new[] { ("fix-1", "creativity", 2L, "2026-11-01T08:00:00.0000000Z") }, await StoredAsync("fix-"));

        // A corrected rating in one call with a duplicate: the last item wins, as a later call would.
        using var corrected = await _client.PostJsonAsync(Path, """
            {"ratings":[
              {"studentId":"fix-1","skill":"creativity","rating":3,"ratedAt":"2026-11-02T08:00:00Z"},
              {"studentId":"fix-1","skill":"creativity","rating":5,"ratedAt":"2026-11-02T08:00:00Z"}
            ]}
            """);
        Assert.AreEqual(HttpStatusCode.OK, corrected.StatusCode);
        CollectionAssert.AreEqual(new[] { ("fix-1", "creativity", 5L, "2026-11-02T08:00:00.0000000Z") }, await StoredAsync("fix-"));
    }

    [TestMethod]
    public async Task PostTeacherRatings_MoreThanTenThousand_Returns400NamingRatings()
    {
        var json = new StringBuilder("""{"ratings":[""");
        for (var i = 0; i < 10_001; i++)
        {
            json.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture, $$"""{"studentId":"big-{{i}}","skill":"creativity","rating":3,"ratedAt":"2026-11-01T08:00:00Z"}""");
        }

        using var response = await _client.PostJsonAsync(Path, json.Append("]}").ToString());

        var messages = await ProblemAssert.HasFieldErrorAsync(response, HttpStatusCode.BadRequest, "ratings");
        StringAssert.Contains(messages[0], "10000");
        Assert.IsEmpty(await StoredAsync("big-"), "nothing of a refused call is stored");
    }

    [TestMethod]
    [DataRow("""{}""", "ratings")]
    [DataRow("""{"ratings":[]}""", "ratings")]
    public async Task PostTeacherRatings_NoRatings_Returns400NamingRatings(string json, string field)
    {
        using var response = await _client.PostJsonAsync(Path, json);

        await ProblemAssert.HasFieldErrorAsync(response, HttpStatusCode.BadRequest, field);
    }

    [TestMethod]
    public async Task PostTeacherRatings_RatingOfWrongJsonType_Returns400Problem()
    {
        using var response = await _client.PostJsonAsync(Path, """{"ratings":[{"studentId":"typ-1","skill":"creativity","rating":"four","ratedAt":"2026-11-01T08:00:00Z"}]}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "typ-1");
        StringAssert.Contains(problem.ToJsonString(), "rating");
    }

    [TestMethod]
    public async Task PostTeacherRatings_OperatorKeyWithoutIngestScope_Returns403()
    {
        using var operatorClient = _factory.CreateAnonymousClient();
        using var response = await operatorClient.PostJsonAsync(Path, """{"ratings":[{"studentId":"op-1","skill":"creativity","rating":3,"ratedAt":"2026-11-01T08:00:00Z"}]}""", apiKey: SkillInferenceHostFactory.OperatorKey);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
    }
}
