using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SkillInference.Batch;
using SkillInference.Tests.Batch;
using SkillInference.Tests.Host;
using SkillInference.Tests.Infrastructure;
using SkillInference.Training;

namespace SkillInference.Tests.Integration;

/// <summary>
/// Issue 12 end to end on the real PostgreSQL: synthetic students scored by the host's batch worker, teacher ratings
/// posted to the feedback API, validation run through the monitoring API, alerts read back, and the webhook received
/// by a real HTTP receiver.
/// </summary>
[TestClass]
[TestCategory("Integration")]
public sealed class PostgresMonitoringEndToEndTests
{
    private const int Students = 120;

    [TestMethod]
    public async Task Validation_OneSkillDecorrelated_OneAlertOneWebhookThenClearsAfterTwoGoodEvaluations()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var factory = SkillInferenceHostFactory.OverSampleCopy(new Dictionary<string, string?>
        {
            ["SkillInference:Database:Kind"] = "Postgres",
            ["SkillInference:Database:ConnectionString"] = database.Connection,
            ["SkillInference:Database:MigrateOnStartup"] = "true",
            ["SkillInference:Monitoring:ValidationInterval"] = "00:00:00",
            ["SkillInference:Monitoring:Webhook:Url"] = receiver.Url.ToString(),
            ["SkillInference:Monitoring:Webhook:RetryDelay"] = "00:00:00.050",
        });
        using var client = await factory.CreateReadyClientAsync();
        using var operatorClient = factory.CreateAnonymousClient();
        operatorClient.DefaultRequestHeaders.Add("X-Api-Key", SkillInferenceHostFactory.OperatorKey);

        // Synthetic students, scored on all seven skills by the batch worker.
        var generator = BatchHarness.Generator;
        var students = generator.Generate(0, Students).ToArray();
        await factory.Services.GetRequiredService<IStudentDataWriter>().UpsertStudentFeaturesAsync(
            [.. students.Select(s => SyntheticStudentData.ToStudentFeatures(generator, s, DateTimeOffset.UtcNow.AddMinutes(-1)))]);
        var run = await factory.Services.GetRequiredService<BatchRunner>().RunAsync(BatchMode.Full);
        Assert.AreEqual(RunStatus.Succeeded, run.Status);
        var scores = await ScoresAsync(database.Connection);
        var skills = scores.Keys.Order(StringComparer.Ordinal).ToArray();
        Assert.HasCount(7, skills);
        var decorrelated = skills[2];

        // 29 ratings for one skill: below the minimum of 30, never "ok".
        await PostRatingsAsync(client, [.. Agreeing(scores[decorrelated]).Take(29).Select(r => (r.Student, decorrelated, r.Rating))]);
        var early = await RunValidationAsync(operatorClient);
        Assert.AreEqual((29, "insufficient_data"), (early[decorrelated]!["n"]!.GetValue<int>(), early[decorrelated]!["state"]!.GetValue<string>()));
        Assert.IsTrue(skills.Where(s => s != decorrelated).All(s => early[s]!["state"]!.GetValue<string>() == "insufficient_data" && early[s]!["n"]!.GetValue<int>() == 0));

        // Ratings that agree for six skills (the quintile of the score) and are unrelated to the score for one.
        var random = new Random(12);
        await PostRatingsAsync(client, [.. skills.SelectMany(skill => skill == decorrelated
            ? scores[skill].Select(s => (s.Student, skill, random.Next(1, 6)))
            : Agreeing(scores[skill]).Select(r => (r.Student, skill, r.Rating)))]);

        var first = await RunValidationAsync(operatorClient);
        foreach (var skill in skills)
        {
            var result = first[skill]!;
            Assert.AreEqual(Students, result["n"]!.GetValue<int>(), skill);
            Assert.AreEqual(1.0, result["coverage"]!.GetValue<double>(), 1e-12, skill);
            var r = result["pearsonR"]!.GetValue<double>();
            if (skill == decorrelated)
            {
                Assert.IsLessThan(0.5, r, skill);
                Assert.AreEqual("alert", result["state"]!.GetValue<string>());
            }
            else
            {
                Assert.IsGreaterThan(0.8, r, skill);
                Assert.AreEqual("ok", result["state"]!.GetValue<string>(), skill);
            }

            var ci = result["ci"]!.AsArray().Select(c => c!.GetValue<double>()).ToArray();
            Assert.IsTrue(ci[0] < r && r < ci[1], $"{skill}: r inside its interval");
        }

        var alerts = await AlertsAsync(operatorClient);
        var alert = alerts.Single();
        Assert.AreEqual(("correlation", decorrelated, "open"), (alert["kind"]!.GetValue<string>(), alert["skill"]!.GetValue<string>(), alert["state"]!.GetValue<string>()));
        Assert.AreEqual(first[decorrelated]!["pearsonR"]!.GetValue<double>(), alert["value"]!.GetValue<double>(), 1e-12);
        Assert.AreEqual(0.5, alert["threshold"]!.GetValue<double>());
        var messages = await receiver.WaitForAsync(1);
        Assert.HasCount(1, messages, "exactly one webhook message");
        Assert.AreEqual(("correlation", decorrelated, "alert"), (messages[0]["kind"]!.GetValue<string>(), messages[0]["skill"]!.GetValue<string>(), messages[0]["state"]!.GetValue<string>()));
        StringAssert.Contains(messages[0]["text"]!.GetValue<string>(), decorrelated);
        Assert.AreEqual(Students, messages[0]["values"]!["n"]!.GetValue<int>());

        // A second evaluation that still breaches: the same alert, no new message.
        await RunValidationAsync(operatorClient);
        Assert.HasCount(1, await AlertsAsync(operatorClient));
        Assert.HasCount(1, await receiver.WaitForAsync(1));

        // The ratings agree again: still open after one good evaluation, cleared after the second.
        await PostRatingsAsync(client, [.. Agreeing(scores[decorrelated]).Select(r => (r.Student, decorrelated, r.Rating))]);
        var good1 = await RunValidationAsync(operatorClient);
        Assert.AreEqual("alert", good1[decorrelated]!["state"]!.GetValue<string>());
        Assert.AreEqual("open", (await AlertsAsync(operatorClient)).Single()["state"]!.GetValue<string>());
        var good2 = await RunValidationAsync(operatorClient);
        Assert.AreEqual("ok", good2[decorrelated]!["state"]!.GetValue<string>());
        var cleared = (await AlertsAsync(operatorClient)).Single();
        Assert.AreEqual("cleared", cleared["state"]!.GetValue<string>());
        Assert.IsNotNull(cleared["clearedAt"]);
        messages = await receiver.WaitForAsync(2);
        Assert.HasCount(2, messages);
        Assert.AreEqual("ok", messages[1]["state"]!.GetValue<string>());

        // The time series: five evaluations of the decorrelated skill.
        var history = await operatorClient.GetJsonAsync("/api/v1/monitoring/validation?since=2000-01-01T00:00:00Z&skill=" + decorrelated);
        CollectionAssert.AreEqual(
            new[] { "insufficient_data", "alert", "alert", "alert", "ok" },
            history["history"]!.AsArray().Select(h => h!["state"]!.GetValue<string>()).ToArray());
        var body = history.ToJsonString();
        Assert.IsFalse(students.Any(s => body.Contains(s.StudentId, StringComparison.Ordinal)), "no student id in monitoring answers");
    }

    /// <summary>Ratings that agree with the scores: the quintile (1-5) of each student's score rank.</summary>
    private static IEnumerable<(string Student, int Rating)> Agreeing(IReadOnlyList<(string Student, double Score)> scores)
    {
        var ordered = scores.OrderBy(s => s.Score).ToArray();
        return ordered.Select((s, i) => (s.Student, 1 + (i * 5 / ordered.Length)));
    }

    private static async Task<Dictionary<string, IReadOnlyList<(string Student, double Score)>>> ScoresAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT skill, student_id, score FROM skill_assessments ORDER BY skill, student_id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string Skill, string Student, double Score)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetDouble(2)));
        }

        return rows.GroupBy(r => r.Skill).ToDictionary(g => g.Key, g => (IReadOnlyList<(string, double)>)[.. g.Select(r => (r.Student, r.Score))]);
    }

    private static async Task PostRatingsAsync(HttpClient client, IReadOnlyList<(string Student, string Skill, int Rating)> ratings)
    {
        var at = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        var items = new JsonArray([.. ratings.Select(r => (JsonNode)new JsonObject { ["studentId"] = r.Student, ["skill"] = r.Skill, ["rating"] = r.Rating, ["ratedAt"] = at })]);
        using var response = await client.PostJsonAsync("/api/v1/feedback/teacher-ratings", new JsonObject { ["ratings"] = items }.ToJsonString());
        var body = await response.ReadJsonAsync();
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, body.ToJsonString());
        Assert.AreEqual(ratings.Count, body["accepted"]!.GetValue<int>(), body.ToJsonString());
    }

    private static async Task<Dictionary<string, JsonNode?>> RunValidationAsync(HttpClient operatorClient)
    {
        using var response = await operatorClient.PostAsync(new Uri("/api/v1/monitoring/validation/run", UriKind.Relative), new StringContent("", Encoding.UTF8, "application/json"));
        var body = await response.ReadJsonAsync();
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, body.ToJsonString());
        return body["results"]!.AsArray().ToDictionary(r => r!["skill"]!.GetValue<string>(), r => r);
    }

    private static async Task<JsonNode[]> AlertsAsync(HttpClient operatorClient) =>
        [.. (await operatorClient.GetJsonAsync("/api/v1/monitoring/alerts"))["alerts"]!.AsArray().Select(a => a!)];
}
