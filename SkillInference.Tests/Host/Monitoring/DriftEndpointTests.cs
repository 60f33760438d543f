using System.Text.Json.Nodes;
using SkillInference.Inference;
using SkillInference.Tests.Batch;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Host.Monitoring;

/// <summary>
/// Online drift: live traffic scored in the host, counted by the pipeline observer against each bundle's reference
/// histograms, read back from <c>GET /api/v1/monitoring/drift</c>.
/// </summary>
[TestClass]
public sealed class DriftEndpointTests
{
    private const int Students = 1500;

    [TestMethod]
    public async Task Drift_FeaturesShiftedForOneSkill_ItsPsiCrossesTheAlertLineAndTheOthersStayUnderWatch()
    {
        await using var factory = SkillInferenceHostFactory.OverSampleCopy();
        using var client = await factory.CreateReadyClientAsync();
        using var operatorClient = factory.CreateAnonymousClient();
        operatorClient.DefaultRequestHeaders.Add("X-Api-Key", SkillInferenceHostFactory.OperatorKey);
        var live = await client.LiveVersionsAsync();
        var skills = live.Keys.Order(StringComparer.Ordinal).ToArray();
        var shifted = skills[4];

        // Each feature of the shifted skill is set inside its reference's top decile (between the last two edges, read
        // from the published manifest); the other skills get the generator's students as they are.
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(factory.StorePath, "skills", shifted, live[shifted]!, "manifest.json")))!;
        var top = manifest["reference"]!["features"]!.AsObject().ToDictionary(
            f => f.Key,
            f => { var e = f.Value!["edges"]!.AsArray().Select(x => x!.GetValue<double>()).ToArray(); return (e[^2] + e[^1]) / 2; });
        var generator = BatchHarness.Generator;
        var students = generator.Generate(0, Students).ToArray();
        var requests = new List<InferenceRequest>();
        foreach (var skill in skills)
        {
            var schema = SampleStore.Catalog[skill].Schema.Features.Select(f => f.Name).ToArray();
            foreach (var student in students)
            {
                var features = new Dictionary<string, double?>(StringComparer.Ordinal);
                foreach (var name in schema)
                {
                    var value = student.Features[generator.FeatureNames.ToList().IndexOf(name)];
                    features[name] = skill == shifted ? top[name] : double.IsNaN(value) ? null : value;
                }

                requests.Add(new InferenceRequest(skill, features));
            }
        }

        foreach (var chunk in requests.Chunk(1000))
        {
            var outcomes = await factory.Inference.InferBatchAsync(chunk);
            Assert.IsTrue(outcomes.All(o => o.IsSuccess), "every request scores");
        }

        var drift = await operatorClient.GetJsonAsync("/api/v1/monitoring/drift?evaluate=true");
        var models = drift["models"]!.AsArray().ToDictionary(m => m!["skill"]!.GetValue<string>(), m => m!);
        CollectionAssert.AreEquivalent(skills, models.Keys.ToArray());
        foreach (var skill in skills)
        {
            var m = models[skill];
            Assert.AreEqual(Students, m["n"]!.GetValue<long>(), skill);
            var featurePsi = m["features"]![0]!["psi"]!.GetValue<double>();
            if (skill == shifted)
            {
                Assert.IsGreaterThanOrEqualTo(0.25, featurePsi, skill);
                Assert.AreEqual("alert", m["state"]!.GetValue<string>());
            }
            else
            {
                Assert.IsLessThan(0.1, featurePsi, $"{skill}: {m["features"]![0]!["name"]}");
                Assert.IsLessThan(0.1, m["scorePsi"]!.GetValue<double>(), skill);
                Assert.AreEqual("ok", m["state"]!.GetValue<string>(), skill);
            }

            Assert.AreEqual(Students, m["scoreCounts"]!.AsArray().Sum(c => c!.GetValue<long>()), skill);
        }

        var alerts = (await operatorClient.GetJsonAsync("/api/v1/monitoring/alerts"))["alerts"]!.AsArray();
        var alert = alerts.Single(a => a!["kind"]!.GetValue<string>() == "drift")!;
        Assert.AreEqual((shifted, "open"), (alert["skill"]!.GetValue<string>(), alert["state"]!.GetValue<string>()));
        Assert.AreEqual(0.25, alert["threshold"]!.GetValue<double>());

        // The names deploy/prometheus/alerts.yml and the Grafana dashboard use are on /metrics, with no student id.
        var metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        foreach (var name in new[] { "skillinference_drift_psi{", "skillinference_alerts_open{", "skillinference_alerts_transitions_total{", "skillinference_inference_duration_seconds_bucket{", "skillinference_predictions_total{", "skillinference_model_loads_total{", "skillinference_cache_available{" })
        {
            StringAssert.Contains(metrics, name);
        }

        var openLine = metrics.Split('\n').Where(l => l.StartsWith("skillinference_alerts_open{", StringComparison.Ordinal) && l.Contains("kind=\"drift\"", StringComparison.Ordinal)).ToArray();
        Assert.HasCount(1, openLine, string.Join("\n", openLine));
        StringAssert.Contains(openLine[0], $"skill=\"{shifted}\"");
        Assert.IsTrue(openLine[0].EndsWith(" 1", StringComparison.Ordinal), openLine[0]);
        Assert.IsFalse(students.Any(s => metrics.Contains(s.StudentId, StringComparison.Ordinal)), "no student id in metrics");
    }
}
