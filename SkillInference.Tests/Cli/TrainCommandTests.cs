using SkillInference.Bundles;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Cli;

[TestClass]
public sealed class TrainCommandTests
{
    private static string _data = null!;

    [ClassInitialize]
    public static async Task ClassInitializeAsync(TestContext context)
    {
        _data = Path.Combine(TempDirectory.Create("train-data"), "students.csv");
        var synth = await Skillinf.RunAsync("synth", "--count", "600", "--seed", "5", "--out", _data, "--catalog", SampleStore.CatalogPath);
        Assert.AreEqual(0, synth.ExitCode, synth.ToString());
    }

    [TestMethod]
    public async Task Train_OneSkill_WritesABundleThatVerifies()
    {
        var output = TempDirectory.Create("train-out");

        var result = await Skillinf.RunAsync("train", "--data", _data, "--skill", "collaboration", "--version", "1.0.0", "--out", output, "--trees", "20", "--catalog", SampleStore.CatalogPath);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        var bundle = await ModelBundle.ReadDirectoryAsync(Path.Combine(output, "collaboration", "1.0.0"));
        Assert.AreEqual("collaboration", bundle.Skill);
        Assert.AreEqual("1.0.0", bundle.Manifest.Version);
        CollectionAssert.AreEqual(
            SampleStore.Catalog["collaboration"].Schema.Features.Select(f => f.Name).ToArray(),
            bundle.Schema.Features.Select(f => f.Name).ToArray());
    }

    [TestMethod]
    public async Task Train_OneSkill_WritesOnlyThatSkill()
    {
        var output = TempDirectory.Create("train-out");

        await Skillinf.RunAsync("train", "--data", _data, "--skill", "collaboration", "--out", output, "--trees", "20", "--catalog", SampleStore.CatalogPath);

        CollectionAssert.AreEqual(new[] { "collaboration" }, Directory.GetDirectories(output).Select(Path.GetFileName).ToArray());
    }

    [TestMethod]
    public async Task Train_UnknownSkill_ExitsOne()
    {
        var output = TempDirectory.Create("train-out");

        var result = await Skillinf.RunAsync("train", "--data", _data, "--skill", "telepathy", "--out", output, "--trees", "20", "--catalog", SampleStore.CatalogPath);

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        Assert.StartsWith("error:", result.Error);
        Assert.Contains("telepathy", result.Error);
    }

    [TestMethod]
    public async Task Train_DataMissingAFeatureColumn_ExitsOneNamingIt()
    {
        var data = await WithoutColumnAsync("politeness");
        var output = TempDirectory.Create("train-out");

        var result = await Skillinf.RunAsync("train", "--data", data, "--skill", "collaboration", "--out", output, "--trees", "20", "--catalog", SampleStore.CatalogPath);

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        var error = result.Error.Split('\n').Single(l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains("politeness", error);
    }

    [TestMethod]
    [DataRow("1.0")]
    [DataRow("v1.0.0")]
    [DataRow("latest")]
    public async Task Train_BadVersion_ExitsOne(string version)
    {
        var output = TempDirectory.Create("train-out");

        var result = await Skillinf.RunAsync("train", "--data", _data, "--skill", "collaboration", "--version", version, "--out", output, "--trees", "20", "--catalog", SampleStore.CatalogPath);

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        Assert.Contains(version, result.Error);
        Assert.IsEmpty(Directory.GetFileSystemEntries(output));
    }

    private static async Task<string> WithoutColumnAsync(string column)
    {
        var lines = await File.ReadAllLinesAsync(_data);
        var index = Array.IndexOf(lines[0].Split(','), column);
        Assert.IsGreaterThanOrEqualTo(0, index, $"the synthetic data has no column {column}");
        var path = Path.Combine(TempDirectory.Create("train-data"), $"without-{column}.csv");
        await File.WriteAllLinesAsync(path, lines.Select(l => string.Join(',', l.Split(',').Where((_, i) => i != index))));
        return path;
    }
}
