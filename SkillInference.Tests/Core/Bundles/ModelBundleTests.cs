using System.Security.Cryptography;
using System.Text;
using SkillInference.Bundles;
using SkillInference.Registry;
using SkillInference.Schema;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Core.Bundles;

[TestClass]
public sealed class ModelBundleTests
{
    private static readonly byte[] ModelBytes = Encoding.UTF8.GetBytes("not really a model, but bytes with a checksum");

    [TestMethod]
    public void Create_ValidManifest_FillsSha256OfModelBytes()
    {
        var expected = Convert.ToHexStringLower(SHA256.HashData(ModelBytes));

        var bundle = ModelBundle.Create(Manifest(), ModelBytes);

        Assert.AreEqual(expected, bundle.Manifest.Sha256);
        Assert.AreEqual("demo_skill", bundle.Skill);
        Assert.AreEqual(new SemanticVersion(1, 2, 3), bundle.Version);
        Assert.AreEqual(2, bundle.Schema.Count);
    }

    [TestMethod]
    public void Parse_SerializedBundle_RoundTrips()
    {
        var bundle = ModelBundle.Create(Manifest(), ModelBytes);

        var parsed = ModelBundle.Parse(bundle.SerializeManifest(), ModelBytes);

        CollectionAssert.AreEqual(bundle.SerializeManifest(), parsed.SerializeManifest());
        Assert.AreEqual(bundle.Schema.Fingerprint, parsed.Schema.Fingerprint);
    }

    [TestMethod]
    public void Parse_TamperedModelBytes_ThrowsChecksumMismatch()
    {
        var bundle = ModelBundle.Create(Manifest(), ModelBytes);
        var tampered = ModelBytes.ToArray();
        tampered[7] ^= 0x01;

        var ex = Assert.ThrowsExactly<BundleValidationException>(() => ModelBundle.Parse(bundle.SerializeManifest(), tampered));

        Assert.AreEqual(BundleValidationErrorKind.ChecksumMismatch, ex.Kind);
    }

    [TestMethod]
    public void Parse_ManifestSha256OfOtherBytes_ThrowsChecksumMismatch()
    {
        var otherSha = Convert.ToHexStringLower(SHA256.HashData("other"u8));
        var manifestJson = ModelBundle.Create(Manifest(), ModelBytes).SerializeManifest();
        var lied = JsonWithSha(manifestJson, otherSha);

        var ex = Assert.ThrowsExactly<BundleValidationException>(() => ModelBundle.Parse(lied, ModelBytes));

        Assert.AreEqual(BundleValidationErrorKind.ChecksumMismatch, ex.Kind);
    }

    [TestMethod]
    [DataRow("pmml")]
    [DataRow("MLNET")]
    [DataRow("")]
    public void Create_UnknownFormat_ThrowsUnsupportedFormat(string format)
    {
        var manifest = Manifest() with { Format = format };

        var ex = Assert.ThrowsExactly<BundleValidationException>(() => ModelBundle.Create(manifest, ModelBytes));

        Assert.AreEqual(BundleValidationErrorKind.UnsupportedFormat, ex.Kind);
    }

    [TestMethod]
    public void Create_InvalidManifestFields_ThrowsInvalidManifestListingEachProblem()
    {
        var manifest = Manifest() with { ManifestVersion = 2, Skill = "Demo Skill", Version = "1.2", ModelFile = "../model.zip" };

        var ex = Assert.ThrowsExactly<BundleValidationException>(() => ModelBundle.Create(manifest, ModelBytes));

        Assert.AreEqual(BundleValidationErrorKind.InvalidManifest, ex.Kind);
        Assert.HasCount(4, ex.Problems, string.Join(" | ", ex.Problems));
        Assert.Contains(p => p.Contains("manifestVersion 2", StringComparison.Ordinal), ex.Problems);
        Assert.Contains(p => p.Contains("skill 'Demo Skill'", StringComparison.Ordinal), ex.Problems);
        Assert.Contains(p => p.Contains("version '1.2'", StringComparison.Ordinal), ex.Problems);
        Assert.Contains(p => p.Contains("modelFile '../model.zip'", StringComparison.Ordinal), ex.Problems);
    }

    [TestMethod]
    [DataRow("manifest.json")]
    [DataRow("sub/model.zip")]
    [DataRow("..")]
    [DataRow(" ")]
    public void Create_ModelFileNotPlainName_ThrowsInvalidManifest(string modelFile)
    {
        var manifest = Manifest() with { ModelFile = modelFile };

        var ex = Assert.ThrowsExactly<BundleValidationException>(() => ModelBundle.Create(manifest, ModelBytes));

        Assert.AreEqual(BundleValidationErrorKind.InvalidManifest, ex.Kind);
    }

    [TestMethod]
    [DataRow("ABCDEF", DisplayName = "too short")]
    [DataRow("upper", DisplayName = "upper-case hex")]
    public void Parse_MalformedSha256_ThrowsInvalidManifest(string kind)
    {
        var good = Convert.ToHexStringLower(SHA256.HashData(ModelBytes));
        var sha = kind == "upper" ? good.ToUpperInvariant() : kind;
        var json = JsonWithSha(ModelBundle.Create(Manifest(), ModelBytes).SerializeManifest(), sha);

        var ex = Assert.ThrowsExactly<BundleValidationException>(() => ModelBundle.Parse(json, ModelBytes));

        Assert.AreEqual(BundleValidationErrorKind.InvalidManifest, ex.Kind);
    }

    [TestMethod]
    [DataRow("{ not json", DisplayName = "not JSON")]
    [DataRow("{\"skill\": \"demo_skill\"}", DisplayName = "required fields missing")]
    [DataRow("null", DisplayName = "null")]
    public void ParseManifest_MalformedJson_ThrowsInvalidManifest(string json)
    {
        var ex = Assert.ThrowsExactly<BundleValidationException>(() => ModelBundle.ParseManifest(Encoding.UTF8.GetBytes(json)));

        Assert.AreEqual(BundleValidationErrorKind.InvalidManifest, ex.Kind);
    }

    [TestMethod]
    [DataRow("mean", DisplayName = "scaler mean too short")]
    [DataRow("scale", DisplayName = "scaler scale too long")]
    [DataRow("zero", DisplayName = "scaler scale zero")]
    [DataRow("kind", DisplayName = "scaler kind unknown")]
    [DataRow("statistics", DisplayName = "statistics too short")]
    [DataRow("statistics-order", DisplayName = "statistics out of order")]
    [DataRow("importance", DisplayName = "importance too long")]
    [DataRow("importance-negative", DisplayName = "importance negative")]
    public void Create_InconsistentScalerStatisticsOrImportance_ThrowsInvalidSchema(string defect)
    {
        var m = Manifest();
        var manifest = defect switch
        {
            "mean" => m with { Scaler = new ScalerParameters { Mean = [0.5], Scale = [1, 2] } },
            "scale" => m with { Scaler = new ScalerParameters { Mean = [0.5, 1], Scale = [1, 2, 3] } },
            "zero" => m with { Scaler = new ScalerParameters { Mean = [0.5, 1], Scale = [1, 0] } },
            "kind" => m with { Scaler = m.Scaler! with { Kind = "minmax" } },
            "statistics" => m with { Statistics = [m.Statistics[0]] },
            "statistics-order" => m with { Statistics = [m.Statistics[1], m.Statistics[0]] },
            "importance" => m with { Importance = [.. m.Importance, new FeatureImportance("extra", 0)] },
            "importance-negative" => m with { Importance = [new FeatureImportance("alpha_rate", 1.5), new FeatureImportance("beta_count", -0.5)] },
            _ => throw new ArgumentOutOfRangeException(nameof(defect)),
        };

        var ex = Assert.ThrowsExactly<BundleValidationException>(() => ModelBundle.Create(manifest, ModelBytes));

        Assert.AreEqual(BundleValidationErrorKind.InvalidSchema, ex.Kind);
    }

    [TestMethod]
    [DataRow("median")]
    [DataRow("mean")]
    public void Create_StatisticRuleWithoutStatistics_ThrowsInvalidSchemaNamingTheFeature(string rule)
    {
        var m = Manifest();
        var features = new[] { m.Features[0] with { Missing = rule == "median" ? MissingValueRule.Median : MissingValueRule.Mean }, m.Features[1] };
        var manifest = m with { Features = features, Statistics = [] };

        var ex = Assert.ThrowsExactly<BundleValidationException>(() => ModelBundle.Create(manifest, ModelBytes));

        Assert.AreEqual(BundleValidationErrorKind.InvalidSchema, ex.Kind);
        var problem = Assert.ContainsSingle(ex.Problems);
        Assert.Contains($"'alpha_rate' imputes the training {rule}", problem);
    }

    [TestMethod]
    public void Create_NoStatisticsAndNoStatisticRules_IsValid()
    {
        var m = Manifest();
        var features = m.Features.Select(f => f with { Missing = MissingValueRule.Constant(0) }).ToArray();

        var bundle = ModelBundle.Create(m with { Features = features, Statistics = [] }, ModelBytes);

        Assert.IsEmpty(bundle.Manifest.Statistics);
    }

    [TestMethod]
    public void Create_InvalidFeatureSchema_ThrowsInvalidSchema()
    {
        var m = Manifest();
        var manifest = m with { Features = [m.Features[0], m.Features[1] with { Min = 3, Max = 2 }] };

        var ex = Assert.ThrowsExactly<BundleValidationException>(() => ModelBundle.Create(manifest, ModelBytes));

        Assert.AreEqual(BundleValidationErrorKind.InvalidSchema, ex.Kind);
        Assert.Contains(p => p.Contains("'beta_count' has an empty valid range", StringComparison.Ordinal), ex.Problems);
    }

    [TestMethod]
    public async Task WriteDirectoryAsync_ThenReadDirectoryAsync_RoundTrips()
    {
        var bundle = await SampleStore.LoadBundleAsync("communication");
        var directory = Path.Combine(TempDirectory.Create("bundle"), "communication-1.0.0");

        await bundle.WriteDirectoryAsync(directory);
        var read = await ModelBundle.ReadDirectoryAsync(directory);

        CollectionAssert.AreEqual(bundle.ModelBytes.ToArray(), read.ModelBytes.ToArray());
        CollectionAssert.AreEqual(bundle.SerializeManifest(), read.SerializeManifest());
        Assert.AreEqual(bundle.Manifest.Sha256, read.Manifest.Sha256);
        CollectionAssert.AreEquivalent(new[] { ModelBundle.ManifestFileName, "model.zip" }, Directory.GetFiles(directory).Select(Path.GetFileName).ToArray());
    }

    [TestMethod]
    public async Task ReadDirectoryAsync_ModelFileMissing_ThrowsInvalidModel()
    {
        var directory = TempDirectory.Create("bundle");
        await ModelBundle.Create(Manifest(), ModelBytes).WriteDirectoryAsync(directory);
        File.Delete(Path.Combine(directory, "model.zip"));

        var ex = await Assert.ThrowsExactlyAsync<BundleValidationException>(() => ModelBundle.ReadDirectoryAsync(directory));

        Assert.AreEqual(BundleValidationErrorKind.InvalidModel, ex.Kind);
        Assert.Contains("model.zip", ex.Message);
    }

    [TestMethod]
    public async Task ReadDirectoryAsync_ModelFileChangedOnDisk_ThrowsChecksumMismatch()
    {
        var directory = TempDirectory.Create("bundle");
        await ModelBundle.Create(Manifest(), ModelBytes).WriteDirectoryAsync(directory);
        await File.AppendAllTextAsync(Path.Combine(directory, "model.zip"), "!");

        var ex = await Assert.ThrowsExactlyAsync<BundleValidationException>(() => ModelBundle.ReadDirectoryAsync(directory));

        Assert.AreEqual(BundleValidationErrorKind.ChecksumMismatch, ex.Kind);
    }

    [TestMethod]
    public async Task ReadDirectoryAsync_NoManifest_ThrowsInvalidManifest()
    {
        var directory = TempDirectory.Create("bundle");
        await File.WriteAllBytesAsync(Path.Combine(directory, "model.zip"), ModelBytes);

        var ex = await Assert.ThrowsExactlyAsync<BundleValidationException>(() => ModelBundle.ReadDirectoryAsync(directory));

        Assert.AreEqual(BundleValidationErrorKind.InvalidManifest, ex.Kind);
    }

    [TestMethod]
    public void ValidateManifest_ValidManifest_ReturnsNoProblems()
    {
        var bundle = ModelBundle.Create(Manifest(), ModelBytes);

        var problems = ModelBundle.ValidateManifest(bundle.Manifest);

        Assert.IsEmpty(problems);
    }

    private static byte[] JsonWithSha(byte[] manifestJson, string sha)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(manifestJson)!;
        node["sha256"] = sha;
        return Encoding.UTF8.GetBytes(node.ToJsonString());
    }

    private static BundleManifest Manifest() => new()
    {
        Skill = "demo_skill",
        Version = "1.2.3",
        Format = ModelFormats.MlNet,
        ModelFile = "model.zip",
        Sha256 = new string('0', 64),
        Features =
        [
            new FeatureSpec { Name = "alpha_rate", Min = 0, Max = 1, Missing = MissingValueRule.Median },
            new FeatureSpec { Name = "beta_count", Min = 0, Max = 10, Required = true, Missing = MissingValueRule.Native },
        ],
        Scaler = new ScalerParameters { Mean = [0.5, 4], Scale = [0.25, 2] },
        Statistics =
        [
            new FeatureStatistics { Name = "alpha_rate", Mean = 0.5, Median = 0.45, Std = 0.25 },
            new FeatureStatistics { Name = "beta_count", Mean = 4, Median = 3, Std = 2 },
        ],
        Importance = [new FeatureImportance("alpha_rate", 0.7), new FeatureImportance("beta_count", 0.3)],
    };
}
