using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Cli;

[TestClass]
public sealed class ModelsListCommandTests
{
    [TestMethod]
    public async Task ModelsList_SampleStore_ShowsEverySkillWithItsDeployedVersion()
    {
        var result = await Skillinf.RunAsync("models", "list", "--store", SampleStore.Copy());

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        var lines = result.Output.Split('\n', StringSplitOptions.TrimEntries);
        foreach (var skill in SampleStore.Catalog.Skills)
        {
            var line = lines.SingleOrDefault(l => l.StartsWith(skill.Id + " ", StringComparison.Ordinal));
            Assert.IsNotNull(line, result.Output);
            Assert.AreEqual("1.0.0", line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], line);
        }
    }

    [TestMethod]
    public async Task ModelsList_AfterDeployingAnotherVersion_ShowsIt()
    {
        var store = SampleStore.Copy();
        var registry = SampleStore.OpenRegistry(store);
        await registry.PublishAsync(TestBundles.WithVersion(await SampleStore.LoadBundleAsync("curiosity"), "1.2.0"), new Registry.ChangeContext("setup"));
        await registry.DeployAsync("curiosity", "1.2.0", new Registry.ChangeContext("setup"));

        var result = await Skillinf.RunAsync("models", "list", "--store", store);

        var line = result.Output.Split('\n', StringSplitOptions.TrimEntries).Single(l => l.StartsWith("curiosity ", StringComparison.Ordinal));
        Assert.AreEqual("1.2.0", line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], line);
        Assert.Contains("1.0.0, 1.2.0", line);
    }

    [TestMethod]
    public async Task ModelsList_EmptyFolder_ExitsZeroWithAHelpfulMessage()
    {
        var store = TempDirectory.Create("cli-empty");

        var result = await Skillinf.RunAsync("models", "list", "--store", store);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        Assert.Contains("No bundles", result.Output);
        Assert.Contains("skillinf samples", result.Output);
    }
}
