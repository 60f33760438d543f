using SkillInference.Cli.Commands;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Cli;

/// <summary>
/// <c>skillinf models table</c>: docs/models.md's table of the deployed models' metrics is generated from bundles,
/// and the one checked in is what a fresh <c>skillinf samples</c> store gives today.
/// </summary>
[TestClass]
public sealed class ModelsTableCommandTests
{
    private static readonly string ModelsMd = Path.Combine(RepositoryRoot.Path, "docs", "models.md");

    [TestMethod]
    [TestCategory("Integration")]
    public async Task ModelsMd_Table_IsCurrentForTheSampleBundles()
    {
        var store = Path.Combine(TempDirectory.Create("samples"), "store");
        var samples = await Skillinf.RunAsync("samples", "--store", store, "--catalog", SampleStore.CatalogPath);
        Assert.AreEqual(0, samples.ExitCode, samples.ToString());

        var result = await Skillinf.RunAsync("models", "table", "--store", store);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        var doc = await File.ReadAllTextAsync(ModelsMd);
        var begin = doc.IndexOf(ModelsTableCommand.BeginMarker, StringComparison.Ordinal) + ModelsTableCommand.BeginMarker.Length + 1;
        var end = doc.IndexOf(ModelsTableCommand.EndMarker, StringComparison.Ordinal);
        Assert.AreEqual(result.Output, doc[begin..end], "docs/models.md is out of date: run `skillinf samples --store S && skillinf models table --store S --update docs/models.md`");
    }

    [TestMethod]
    public async Task Update_FileWithMarkers_ReplacesOnlyTheTable()
    {
        var file = Path.Combine(TempDirectory.Create("doc"), "models.md");
        await File.WriteAllTextAsync(file, $"# Models\n\nbefore\n\n{ModelsTableCommand.BeginMarker}\n| old |\n{ModelsTableCommand.EndMarker}\n\nafter\n");

        var result = await Skillinf.RunAsync("models", "table", "--store", SampleStore.Path, "--update", file);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        var text = await File.ReadAllTextAsync(file);
        StringAssert.StartsWith(text, "# Models\n\nbefore\n\n");
        StringAssert.EndsWith(text, $"{ModelsTableCommand.EndMarker}\n\nafter\n");
        Assert.DoesNotContain("| old |", text);
        foreach (var skill in SampleStoreSkills.Ids)
        {
            StringAssert.Contains(text, $"| `{skill}` | 1.0.0 | mlnet | ML.NET FastTree |");
        }
    }

    [TestMethod]
    public async Task Update_FileWithoutMarkers_SaysWhatToAdd()
    {
        var file = Path.Combine(TempDirectory.Create("doc"), "models.md");
        await File.WriteAllTextAsync(file, "# Models\n");

        var result = await Skillinf.RunAsync("models", "table", "--store", SampleStore.Path, "--update", file);

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error, "has no table markers");
        Assert.AreEqual("# Models\n", await File.ReadAllTextAsync(file));
    }
}
