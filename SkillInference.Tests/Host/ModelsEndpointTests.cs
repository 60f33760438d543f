using System.Text.Json.Nodes;
using SkillInference.Schema;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Host;

[TestClass]
public sealed class ModelsEndpointTests
{
    private static SkillInferenceHostFactory _factory = null!;
    private static HttpClient _client = null!;
    private static JsonArray _skills = null!;

    [ClassInitialize]
    public static async Task ClassInitializeAsync(TestContext context)
    {
        _factory = SkillInferenceHostFactory.OverSampleCopy();
        _client = await _factory.CreateReadyClientAsync();
        _skills = (await _client.GetJsonAsync("/api/v1/skills/models"))["skills"]!.AsArray();
    }

    [ClassCleanup]
    public static async Task ClassCleanupAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    [TestMethod]
    public void Models_SampleStore_ListsTheSevenCatalogSkills()
    {
        var expected = SampleStore.Catalog.Skills.Select(s => s.Id).Order(StringComparer.Ordinal).ToArray();

        CollectionAssert.AreEqual(expected, _skills.Select(s => s!["skill"]!.GetValue<string>()).ToArray());
    }

    [TestMethod]
    public void Models_SampleStore_EverySkillIsDeployedAndLiveAtOnePointZero()
    {
        foreach (var skill in _skills)
        {
            Assert.AreEqual("1.0.0", skill!["deployed"]!.GetValue<string>(), skill["skill"]!.ToString());
            Assert.AreEqual("1.0.0", skill["live"]!.GetValue<string>(), skill["skill"]!.ToString());
        }
    }

    [TestMethod]
    public async Task Models_SampleStore_VersionsCarryTheBundlesMetricsAndTrainingTime()
    {
        foreach (var skill in _skills)
        {
            var id = skill!["skill"]!.GetValue<string>();
            var manifest = (await SampleStore.LoadBundleAsync(id)).Manifest;
            var version = skill["versions"]!.AsArray().Single()!;

            Assert.AreEqual("1.0.0", version["version"]!.GetValue<string>());
            Assert.AreEqual("mlnet", version["format"]!.GetValue<string>());
            Assert.AreEqual(manifest.Metrics.Auc, version["metrics"]!["auc"]!.GetValue<double>(), id);
            Assert.AreEqual(manifest.Metrics.PearsonR, version["metrics"]!["pearsonR"]!.GetValue<double>(), id);
            Assert.AreEqual(manifest.Metrics.TestCount, version["metrics"]!["testCount"]!.GetValue<int>(), id);
            Assert.AreEqual(manifest.TrainedAt, version["trainedAt"]!.GetValue<DateTimeOffset>(), id);
        }
    }

    [TestMethod]
    public void Models_SampleStore_AucOfEveryVersionBeatsChance()
    {
        foreach (var skill in _skills)
        {
            var auc = skill!["versions"]![0]!["metrics"]!["auc"]!.GetValue<double>();

            Assert.IsInRange(0.5, 1.0, auc, skill["skill"]!.ToString());
        }
    }

    [TestMethod]
    public void Models_SampleStore_ListsTheDeployedFeaturesAsTheCatalogDefinesThem()
    {
        foreach (var skill in _skills)
        {
            var id = skill!["skill"]!.GetValue<string>();
            var expected = SampleStore.Catalog[id].Schema.Features;
            var features = skill["features"]!.AsArray();

            CollectionAssert.AreEqual(expected.Select(f => f.Name).ToArray(), features.Select(f => f!["name"]!.GetValue<string>()).ToArray(), id);
            for (var i = 0; i < expected.Count; i++)
            {
                var feature = features[i]!;
                Assert.AreEqual(expected[i].Min, feature["min"]!.GetValue<double>(), expected[i].Name);
                Assert.AreEqual(expected[i].Max, feature["max"]!.GetValue<double>(), expected[i].Name);
                Assert.AreEqual(expected[i].Required, feature["required"]!.GetValue<bool>(), expected[i].Name);
                Assert.AreEqual(expected[i].Missing.Rule.ToString().ToLowerInvariant(), feature["missing"]!.GetValue<string>(), expected[i].Name);
            }
        }
    }

    [TestMethod]
    public async Task Models_SampleStore_ImputedValueIsTheBundlesStatisticOrConstant()
    {
        var skill = _skills.Single(s => s!["skill"]!.GetValue<string>() == "self_regulation")!;
        var manifest = (await SampleStore.LoadBundleAsync("self_regulation")).Manifest;

        var checkedRules = new HashSet<MissingValueStrategy>();
        foreach (var feature in skill["features"]!.AsArray())
        {
            var name = feature!["name"]!.GetValue<string>();
            var spec = manifest.Features.Single(f => f.Name == name);
            var statistics = manifest.Statistics.Single(s => s.Name == name);
            double? expected = spec.Missing.Rule switch
            {
                MissingValueStrategy.Median => statistics.Median,
                MissingValueStrategy.Mean => statistics.Mean,
                MissingValueStrategy.Constant => spec.Missing.Value,
                _ => null,
            };

            Assert.AreEqual(expected, feature["imputedValue"]?.GetValue<double>(), name);
            checkedRules.Add(spec.Missing.Rule);
        }

        // The skill exercises every rule but native (which has no value): median, mean and constant.
        CollectionAssert.IsSubsetOf(new[] { MissingValueStrategy.Median, MissingValueStrategy.Mean, MissingValueStrategy.Constant }, checkedRules.ToArray());
    }
}
