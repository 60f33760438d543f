using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SkillInference.Batch;
using SkillInference.Tests.Host;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Security;

/// <summary>
/// No student id and no feature value reaches a log record, a metric, or an error message: a student id and feature
/// values that appear nowhere else are sent through every path that takes them (scores, explanations, a batch with
/// invalid items, an id too long, an out-of-range value, an invalidation, a batch run with a broken stored row), at the
/// most verbose log level; then every log record (message, state, exception), the Prometheus exposition, every error
/// body and every failure the batch run stored is searched for them.
/// </summary>
[TestClass]
public sealed class PrivacySentinelTests
{
    private const string StudentSentinel = "Zq7SentinelStudent";

    [TestMethod]
    public async Task EveryPath_StudentIdsAndFeatureValues_NeverInLogsMetricsOrErrors()
    {
        await using var factory = SkillInferenceHostFactory.OverSampleCopy(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft"] = "Trace",
        });
        using var client = await factory.CreateReadyClientAsync();
        var schema = SampleStore.Catalog["collaboration"].Schema;
        var row = SampleRows.Requests(schema, 1)[0];
        // A bounded feature, so a value above its maximum is refused (every sample schema has bounded features).
        var first = schema.Features.First(f => f.Max < double.MaxValue / 2);
        var inRange = first.Min + ((Math.Min(first.Max, first.Min + 1000) - first.Min) * 0.4137592);
        row[first.Name] = inRange;
        var valueSentinels = new[] { Digits(inRange), Digits(first.Max + 7391.28465) };
        var errors = new List<string>();
        StringAssert.Contains(JsonSerializer.Serialize(row), valueSentinels[0], "the sentinel digits are what the request carries");

        async Task<HttpResponseMessage> Post(string path, object body)
        {
            var response = await client.PostJsonAsync(path, JsonSerializer.Serialize(body));
            if ((int)response.StatusCode >= 400)
            {
                errors.Add(await response.Content.ReadAsStringAsync());
            }

            return response;
        }

        var outOfRange = new Dictionary<string, double?>(row) { [first.Name] = first.Max + 7391.28465 };
        StringAssert.Contains(JsonSerializer.Serialize(outOfRange), valueSentinels[1]);
        using (var ok = await Post("/api/v1/skills/infer", new { skill = "collaboration", features = row, studentId = StudentSentinel, explain = true }))
        {
            Assert.AreEqual(HttpStatusCode.OK, ok.StatusCode);
        }

        using (var invalid = await Post("/api/v1/skills/infer", new { skill = "collaboration", features = outOfRange, studentId = StudentSentinel }))
        {
            Assert.AreEqual(HttpStatusCode.UnprocessableEntity, invalid.StatusCode);
        }

        using (var tooLong = await Post("/api/v1/skills/infer", new { skill = "collaboration", features = row, studentId = string.Concat(Enumerable.Repeat(StudentSentinel, 10)) }))
        {
            Assert.AreEqual(HttpStatusCode.BadRequest, tooLong.StatusCode);
        }

        using (var batch = await Post("/api/v1/skills/infer/batch", new
        {
            items = new object[]
            {
                new { skill = "collaboration", features = row, studentId = StudentSentinel + "-b" },
                new { skill = "collaboration", features = outOfRange, studentId = StudentSentinel + "-c" },
                new { skill = "no-such-skill", features = row, studentId = StudentSentinel + "-d" },
            },
        }))
        {
            var body = await batch.ReadJsonAsync();
            Assert.AreEqual(HttpStatusCode.OK, batch.StatusCode);
            Assert.AreEqual(2, body["failed"]!.GetValue<int>());
            errors.AddRange(body["results"]!.AsArray().Where(r => r!["error"] is not null).Select(r => r!["error"]!.ToJsonString()));
        }

        using (var invalidate = await Post("/api/v1/students/invalidate", new { studentId = StudentSentinel }))
        {
            Assert.AreEqual(HttpStatusCode.NoContent, invalidate.StatusCode);
        }

        // A nightly batch run over a sentinel student: one valid row, and one whose stored value breaks every schema.
        var writer = factory.Services.GetRequiredService<IStudentDataWriter>();
        var all = new Dictionary<string, double?>(StringComparer.Ordinal);
        foreach (var skill in SampleStore.Catalog.Skills)
        {
            foreach (var (name, value) in SampleRows.Requests(skill.Schema, 1)[0])
            {
                all[name] = value;
            }
        }

        var broken = new Dictionary<string, double?>(all) { [first.Name] = first.Max + 7391.28465 };
        await writer.UpsertStudentFeaturesAsync(
        [
            new StudentFeatures(StudentSentinel + "-batch", all, new Dictionary<string, double?>(), DateTimeOffset.UtcNow),
            new StudentFeatures(StudentSentinel + "-broken", broken, new Dictionary<string, double?>(), DateTimeOffset.UtcNow),
        ]);
        var batchRun = await factory.Services.GetRequiredService<BatchRunner>().RunAsync(BatchMode.Full);
        Assert.IsGreaterThan(0, batchRun.Failures, "the broken row failed");
        var stored = await factory.Services.GetRequiredService<IAssessmentStore>().ListFailuresAsync(batchRun.RunId);
        errors.AddRange(stored.Select(f => f.Error));

        using var metrics = await client.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.AreEqual(HttpStatusCode.OK, metrics.StatusCode);
        var exposition = await metrics.Content.ReadAsStringAsync();
        StringAssert.Contains(exposition, "skillinference_predictions", "the metrics were exported");

        var logs = factory.Logs.GetSnapshot();
        Assert.IsNotEmpty(logs);
        var logText = string.Join('\n', logs.Select(r => string.Join(' ', r.Message, r.Exception?.ToString(), r.StructuredState is null ? null : string.Join(',', r.StructuredState.Select(kv => kv.Key + "=" + kv.Value)))));
        Assert.AreEqual(4 + stored.Count, errors.Count, "the 422, the 400, the batch's two item errors and the run's stored failures were read");
        foreach (var (text, where) in new[] { (logText, "logs"), (exposition, "metrics"), (string.Join('\n', errors), "error bodies") })
        {
            Assert.DoesNotContain(StudentSentinel, text, $"a student id in the {where}");
            foreach (var value in valueSentinels)
            {
                Assert.DoesNotContain(value, text, $"a feature value in the {where}");
            }
        }
    }

    /// <summary>The value's first seven significant digits, as any formatting of it would show them.</summary>
    private static string Digits(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture).Replace("-", "", StringComparison.Ordinal);
        var digits = text.Replace(".", "", StringComparison.Ordinal).TrimStart('0');
        Assert.IsGreaterThanOrEqualTo(7, digits.Length, $"the sentinel value has at least seven significant digits: {text}");
        return text.Contains('.', StringComparison.Ordinal) && text.IndexOf('.', StringComparison.Ordinal) < 7
            ? text[..8]
            : text[..7];
    }
}
