using System.Text.Json;
using SkillInference.Catalog;
using SkillInference.Schema;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Training;

[TestClass]
public sealed class SkillCatalogTests
{
    private const string ValidCatalog = """
        {
          "features": {
            "alpha_rate": { "group": "behavioral", "description": "Alpha.", "unit": "ratio", "min": 0, "max": 1, "missing": { "rule": "median" } },
            "beta_count": { "group": "linguistic", "description": "Beta.", "min": 0, "max": 10, "required": false, "missing": { "rule": "native" } },
            "gamma_score": { "group": "behavioral", "description": "Gamma.", "min": -5, "max": 5, "required": true }
          },
          "skills": [
            {
              "id": "first_skill",
              "name": "First",
              "features": [
                { "name": "beta_count", "required": true, "missing": { "rule": "constant", "value": 2 } },
                { "name": "alpha_rate", "missing": { "rule": "mean" } },
                { "name": "gamma_score", "required": false }
              ]
            },
            {
              "id": "second_skill",
              "features": [ { "name": "alpha_rate" }, { "name": "beta_count" }, { "name": "gamma_score" } ]
            }
          ]
        }
        """;

    [TestMethod]
    public async Task LoadAsync_SampleCatalog_HasSevenSkillsInFileOrder()
    {
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(SampleStore.CatalogPath));
        var expectedIds = document.RootElement.GetProperty("skills").EnumerateArray().Select(s => s.GetProperty("id").GetString()).ToArray();

        var catalog = await SkillCatalog.LoadAsync(SampleStore.CatalogPath);

        Assert.HasCount(7, catalog.Skills);
        CollectionAssert.AreEqual(expectedIds, catalog.Skills.Select(s => s.Id).ToArray());
    }

    [TestMethod]
    public async Task LoadAsync_SampleCatalog_EverySkillHasTenToTwentyFeaturesInFileOrder()
    {
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(SampleStore.CatalogPath));

        var catalog = await SkillCatalog.LoadAsync(SampleStore.CatalogPath);

        foreach (var skill in document.RootElement.GetProperty("skills").EnumerateArray())
        {
            var id = skill.GetProperty("id").GetString()!;
            var expected = skill.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("name").GetString()).ToArray();
            var schema = catalog[id].Schema;
            Assert.IsInRange(10, 20, schema.Count, id);
            CollectionAssert.AreEqual(expected, schema.Features.Select(f => f.Name).ToArray(), id);
        }
    }

    [TestMethod]
    public async Task LoadAsync_SampleCatalog_AppliesPerSkillRequiredAndMissingOverrides()
    {
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(SampleStore.CatalogPath));
        var features = document.RootElement.GetProperty("features");
        var overrides = 0;

        var catalog = await SkillCatalog.LoadAsync(SampleStore.CatalogPath);

        foreach (var skill in document.RootElement.GetProperty("skills").EnumerateArray())
        {
            var schema = catalog[skill.GetProperty("id").GetString()!].Schema;
            foreach (var reference in skill.GetProperty("features").EnumerateArray())
            {
                var name = reference.GetProperty("name").GetString()!;
                var definition = features.GetProperty(name);
                var expectedRequired = reference.TryGetProperty("required", out var r) ? r.GetBoolean()
                    : definition.TryGetProperty("required", out var dr) && dr.GetBoolean();
                var expectedRule = (reference.TryGetProperty("missing", out var m) ? m : definition.GetProperty("missing")).GetProperty("rule").GetString();
                overrides += reference.EnumerateObject().Count() > 1 ? 1 : 0;

                var spec = schema.Features[schema.IndexOf(name)];
                Assert.AreEqual(expectedRequired, spec.Required, $"{name} required");
                Assert.AreEqual(expectedRule, spec.Missing.ToString().Split('(')[0], $"{name} rule");
            }
        }

        Assert.IsGreaterThan(0, overrides);
    }

    [TestMethod]
    public void Parse_SkillOverridesRequiredAndMissing_AppliesToThatSkillOnly()
    {
        var catalog = SkillCatalog.Parse(ValidCatalog);

        var first = catalog["first_skill"].Schema;
        var second = catalog["second_skill"].Schema;
        var beta = first.Features[first.IndexOf("beta_count")];
        Assert.IsTrue(beta.Required);
        Assert.AreEqual(MissingValueRule.Constant(2), beta.Missing);
        Assert.AreEqual(MissingValueRule.Mean, first.Features[first.IndexOf("alpha_rate")].Missing);
        Assert.IsFalse(first.Features[first.IndexOf("gamma_score")].Required);

        Assert.IsFalse(second.Features[second.IndexOf("beta_count")].Required);
        Assert.AreEqual(MissingValueRule.Native, second.Features[second.IndexOf("beta_count")].Missing);
        Assert.AreEqual(MissingValueRule.Median, second.Features[second.IndexOf("alpha_rate")].Missing);
        Assert.IsTrue(second.Features[second.IndexOf("gamma_score")].Required);
    }

    [TestMethod]
    public void Parse_ValidCatalog_KeepsFeatureDefinitionAndSkillOrder()
    {
        var catalog = SkillCatalog.Parse(ValidCatalog);

        CollectionAssert.AreEqual(new[] { "first_skill", "second_skill" }, catalog.Skills.Select(s => s.Id).ToArray());
        CollectionAssert.AreEqual(new[] { "beta_count", "alpha_rate", "gamma_score" }, catalog["first_skill"].Schema.Features.Select(f => f.Name).ToArray());
        var gamma = catalog.Features["gamma_score"].Spec;
        Assert.AreEqual(-5.0, gamma.Min);
        Assert.AreEqual(5.0, gamma.Max);
        Assert.AreEqual(MissingValueRule.Native, gamma.Missing);
        Assert.AreEqual("First", catalog["first_skill"].DisplayName);
        Assert.AreEqual("second_skill", catalog["second_skill"].DisplayName);
    }

    [TestMethod]
    public void Indexer_UnknownSkill_ThrowsKeyNotFoundNamingKnownSkills()
    {
        var catalog = SkillCatalog.Parse(ValidCatalog);

        var ex = Assert.ThrowsExactly<KeyNotFoundException>(() => catalog["third_skill"]);

        Assert.Contains("first_skill", ex.Message);
        Assert.Contains("second_skill", ex.Message);
    }

    [TestMethod]
    public void Parse_UnknownFeatureReference_ThrowsNamingIt()
    {
        var json = ValidCatalog.Replace("""{ "name": "gamma_score" } ]""", """{ "name": "gamma_score" }, { "name": "gamma_scroe" } ]""", StringComparison.Ordinal);

        var ex = Assert.ThrowsExactly<SchemaValidationException>(() => SkillCatalog.Parse(json));

        var problem = Assert.ContainsSingle(ex.Problems);
        Assert.Contains("skill 'second_skill' uses feature 'gamma_scroe'", problem);
    }

    [TestMethod]
    public void Parse_UnknownProperty_ThrowsSchemaValidationException()
    {
        var json = ValidCatalog.Replace("\"unit\": \"ratio\"", "\"unit\": \"ratio\", \"maximum\": 3", StringComparison.Ordinal);

        var ex = Assert.ThrowsExactly<SchemaValidationException>(() => SkillCatalog.Parse(json));

        var problem = Assert.ContainsSingle(ex.Problems);
        Assert.Contains("not valid JSON", problem);
        Assert.Contains("maximum", problem);
    }

    [TestMethod]
    [DataRow("First-Skill")]
    [DataRow("1st_skill")]
    [DataRow("")]
    public void Parse_BadSkillId_ThrowsNamingIt(string id)
    {
        var json = ValidCatalog.Replace("\"id\": \"first_skill\"", $"\"id\": \"{id}\"", StringComparison.Ordinal);

        var ex = Assert.ThrowsExactly<SchemaValidationException>(() => SkillCatalog.Parse(json));

        var problem = Assert.ContainsSingle(ex.Problems);
        Assert.Contains($"skill id '{id}' is invalid", problem);
    }

    [TestMethod]
    public void Parse_SyntheticLoadingOnUnknownSkill_ThrowsNamingIt()
    {
        var json = ValidCatalog.Replace(
            "\"description\": \"Alpha.\",",
            "\"description\": \"Alpha.\", \"synthetic\": { \"kind\": \"rate\", \"center\": 0.5, \"loadings\": { \"first_skill\": 0.5, \"ghost_skill\": 0.3 } },",
            StringComparison.Ordinal);

        var ex = Assert.ThrowsExactly<SchemaValidationException>(() => SkillCatalog.Parse(json));

        var problem = Assert.ContainsSingle(ex.Problems);
        Assert.Contains("'alpha_rate' has a synthetic loading on unknown skill 'ghost_skill'", problem);
    }

    [TestMethod]
    public void Parse_SeveralProblems_ListsEveryOne()
    {
        const string json = """
            {
              "features": {
                "alpha_rate": { "group": "behavioral", "description": "Alpha.", "min": 0, "max": 1,
                                "synthetic": { "kind": "rate", "center": 0.5, "loadings": { "ghost_skill": 0.3 } } },
                "beta_count": { "group": "linguistic", "description": "", "min": 5, "max": 1 }
              },
              "skills": [
                { "id": "Bad Id", "features": [ { "name": "alpha_rate" } ] },
                { "id": "good_skill", "features": [ { "name": "alpha_rate" }, { "name": "nope" } ] },
                { "id": "ranged_skill", "features": [ { "name": "beta_count" } ] },
                { "id": "good_skill", "features": [ { "name": "alpha_rate" } ] }
              ]
            }
            """;

        var ex = Assert.ThrowsExactly<SchemaValidationException>(() => SkillCatalog.Parse(json));

        Assert.HasCount(6, ex.Problems, string.Join(" | ", ex.Problems));
        Assert.Contains(p => p.Contains("feature 'beta_count' has no description", StringComparison.Ordinal), ex.Problems);
        Assert.Contains(p => p.Contains("skill id 'Bad Id' is invalid", StringComparison.Ordinal), ex.Problems);
        Assert.Contains(p => p.Contains("skill 'good_skill' uses feature 'nope'", StringComparison.Ordinal), ex.Problems);
        Assert.Contains(p => p.Contains("skill 'ranged_skill': feature 'beta_count' has an empty valid range", StringComparison.Ordinal), ex.Problems);
        Assert.Contains(p => p.Contains("skill 'good_skill' appears more than once", StringComparison.Ordinal), ex.Problems);
        Assert.Contains(p => p.Contains("unknown skill 'ghost_skill'", StringComparison.Ordinal), ex.Problems);
    }

    [TestMethod]
    [DataRow("", DisplayName = "empty text")]
    [DataRow("{ \"features\": ", DisplayName = "truncated")]
    [DataRow("null", DisplayName = "null document")]
    [DataRow("{ \"features\": {}, \"skills\": [] }", DisplayName = "no skill")]
    public void Parse_UnusableDocument_ThrowsSchemaValidationException(string json)
    {
        var ex = Assert.ThrowsExactly<SchemaValidationException>(() => SkillCatalog.Parse(json));

        Assert.IsNotEmpty(ex.Problems);
    }

    [TestMethod]
    public async Task LoadAsync_StreamWithProblems_ThrowsSchemaValidationException()
    {
        var json = ValidCatalog.Replace("\"id\": \"second_skill\"", "\"id\": \"Second\"", StringComparison.Ordinal);
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json));

        var ex = await Assert.ThrowsExactlyAsync<SchemaValidationException>(() => SkillCatalog.LoadAsync(stream));

        var problem = Assert.ContainsSingle(ex.Problems);
        Assert.Contains("skill id 'Second' is invalid", problem);
    }
}
