using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Cli;

[TestClass]
public sealed class SamplesCommandTests
{
    private static string _store = null!;
    private static CliResult _first = null!;

    [ClassInitialize]
    public static async Task ClassInitializeAsync(TestContext context)
    {
        _store = TempDirectory.Create("cli-samples");
        _first = await Skillinf.RunAsync("samples", "--store", _store, "--students", "1500", "--catalog", SampleStore.CatalogPath);
    }

    [TestMethod]
    public void Samples_EmptyStore_ExitsZero()
    {
        Assert.AreEqual(0, _first.ExitCode, _first.ToString());
    }

    [TestMethod]
    public async Task Samples_EmptyStore_PublishesAndDeploysSevenBundles()
    {
        var registry = SampleStore.OpenRegistry(_store);

        var document = (await registry.ReadAsync()).Document;

        CollectionAssert.AreEquivalent(SampleStore.Catalog.Skills.Select(s => s.Id).ToArray(), (await registry.Bundles.ListSkillsAsync()).ToArray());
        Assert.HasCount(7, document.Skills);
        Assert.IsTrue(document.Skills.Values.All(s => s.Deployed == "1.0.0"));
        foreach (var skill in SampleStore.Catalog.Skills)
        {
            await registry.Bundles.ReadAsync(skill.Id, "1.0.0");
        }
    }

    [TestMethod]
    public void Samples_EmptyStore_ListsEverySkillWithItsDeployedVersion()
    {
        Assert.Contains("Published 7 sample bundle(s)", _first.Output);
        foreach (var skill in SampleStore.Catalog.Skills)
        {
            Assert.IsTrue(OutputLines(_first).Any(l => l.StartsWith(skill.Id + " ", StringComparison.Ordinal) && l.Contains("1.0.0", StringComparison.Ordinal)), skill.Id + "\n" + _first.Output);
        }
    }

    [TestMethod]
    public async Task Samples_RunAgain_ExitsZeroSayingTheyAreAlreadyThere()
    {
        var again = await Skillinf.RunAsync("samples", "--store", _store, "--students", "1500", "--catalog", SampleStore.CatalogPath);

        Assert.AreEqual(0, again.ExitCode, again.ToString());
        Assert.Contains("already", again.Output);
    }

    private static string[] OutputLines(CliResult result) => result.Output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
