using SkillInference.Bundles;
using SkillInference.Catalog;
using SkillInference.Schema;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Training;

[TestClass]
public sealed class FeatureSpecFileTests
{
    [TestMethod]
    public async Task LoadAsync_SpecWithOnlyAName_KeepsTheDocumentedDefaults()
    {
        var path = Path.Combine(TempDirectory.Create("specs"), "schema.json");
        await File.WriteAllTextAsync(path, """[{ "name": "lexical_diversity" }]""");

        var spec = (await FeatureSpecFile.LoadAsync(path, "any")).Single();

        Assert.AreEqual(double.MinValue, spec.Min);
        Assert.AreEqual(double.MaxValue, spec.Max);
        Assert.AreEqual(MissingValueStrategy.Native, spec.Missing.Rule);
        Assert.AreEqual("", spec.Description);
        Assert.IsFalse(spec.Required);
    }

    [TestMethod]
    public async Task LoadAsync_SkillCatalog_TakesTheSkillsFeaturesFirst()
    {
        var specs = await FeatureSpecFile.LoadAsync(SampleStore.CatalogPath, "persistence");

        var skill = SampleStore.Catalog["persistence"].Schema.Features;
        CollectionAssert.AreEqual(skill.Select(f => f.Name).ToArray(), specs.Take(skill.Count).Select(f => f.Name).ToArray());
        Assert.AreEqual(SampleStore.Catalog.Features.Count, specs.Count);
        Assert.IsTrue(specs.Single(s => s.Name == "streak_days").Required);
    }

    [TestMethod]
    public async Task LoadAsync_InvalidSpec_ListsTheProblem()
    {
        var path = Path.Combine(TempDirectory.Create("specs"), "schema.json");
        await File.WriteAllTextAsync(path, """{ "features": [{ "name": "Bad Name" }] }""");

        var ex = await Assert.ThrowsExactlyAsync<SchemaValidationException>(() => FeatureSpecFile.LoadAsync(path, "any"));

        Assert.Contains("Bad Name", ex.Message);
    }

    [TestMethod]
    public void ParseManifest_OptionalSectionsAbsent_AreEmptyNotNull()
    {
        var json = """
            { "skill": "collaboration", "version": "1.0.0", "format": "mlnet", "modelFile": "model.zip",
              "sha256": "0000000000000000000000000000000000000000000000000000000000000000",
              "features": [{ "name": "a" }] }
            """u8;

        var manifest = ModelBundle.ParseManifest(json);

        Assert.IsEmpty(manifest.Statistics);
        Assert.IsEmpty(manifest.Importance);
        Assert.IsNotNull(manifest.Metrics);
        Assert.IsNotNull(manifest.Reference);
        Assert.AreEqual("", manifest.Description);
        Assert.AreEqual(double.MinValue, manifest.Features[0].Min);
        Assert.AreEqual(BundleManifest.CurrentManifestVersion, manifest.ManifestVersion);
    }
}
