using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Cli;

[TestClass]
public sealed class SynthCommandTests
{
    [TestMethod]
    public async Task Synth_Count200_WritesHeaderAnd200Rows()
    {
        var file = Path.Combine(TempDirectory.Create("synth"), "students.csv");

        var result = await Skillinf.RunAsync("synth", "--count", "200", "--seed", "3", "--out", file, "--catalog", SampleStore.CatalogPath);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        var lines = await File.ReadAllLinesAsync(file);
        Assert.HasCount(201, lines);
        Assert.StartsWith("student_id,", lines[0]);
        var columns = lines[0].Split(',').Length;
        Assert.IsTrue(lines.Skip(1).All(l => l.Split(',').Length == columns), "every row has the header's column count");
    }

    [TestMethod]
    public async Task Synth_SameSeedTwice_WritesIdenticalFiles()
    {
        var folder = TempDirectory.Create("synth");
        var a = Path.Combine(folder, "a.csv");
        var b = Path.Combine(folder, "b.csv");

        await Skillinf.RunAsync("synth", "--count", "200", "--seed", "3", "--out", a, "--catalog", SampleStore.CatalogPath);
        await Skillinf.RunAsync("synth", "--count", "200", "--seed", "3", "--out", b, "--catalog", SampleStore.CatalogPath);

        CollectionAssert.AreEqual(await File.ReadAllBytesAsync(a), await File.ReadAllBytesAsync(b));
    }

    [TestMethod]
    public async Task Synth_DifferentSeeds_WriteDifferentData()
    {
        var folder = TempDirectory.Create("synth");
        var a = Path.Combine(folder, "a.csv");
        var b = Path.Combine(folder, "b.csv");

        await Skillinf.RunAsync("synth", "--count", "200", "--seed", "3", "--out", a, "--catalog", SampleStore.CatalogPath);
        await Skillinf.RunAsync("synth", "--count", "200", "--seed", "4", "--out", b, "--catalog", SampleStore.CatalogPath);

        Assert.AreNotEqual(await File.ReadAllTextAsync(a), await File.ReadAllTextAsync(b));
    }

    [TestMethod]
    public async Task Synth_NonPositiveCount_ExitsOne()
    {
        var file = Path.Combine(TempDirectory.Create("synth"), "students.csv");

        var result = await Skillinf.RunAsync("synth", "--count", "0", "--out", file, "--catalog", SampleStore.CatalogPath);

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        Assert.Contains("--count", result.Error);
    }
}
