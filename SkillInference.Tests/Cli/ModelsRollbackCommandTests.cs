using SkillInference.Registry;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Cli;

[TestClass]
public sealed class ModelsRollbackCommandTests
{
    [TestMethod]
    public async Task ModelsRollback_AfterADeploy_ExitsZeroAndRestoresThePreviousVersion()
    {
        var store = SampleStore.Copy();
        var registry = SampleStore.OpenRegistry(store);
        await registry.PublishAsync(TestBundles.WithVersion(await SampleStore.LoadBundleAsync("persistence"), "1.1.0"), new ChangeContext("setup"));
        await registry.DeployAsync("persistence", "1.1.0", new ChangeContext("setup"));

        var result = await Skillinf.RunAsync("models", "rollback", "persistence", "--store", store, "--actor", "bob", "--reason", "canary failed");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        Assert.Contains("1.1.0 to 1.0.0", result.Output);
        var registration = (await registry.ReadAsync()).Document.Skills["persistence"];
        Assert.AreEqual("1.0.0", registration.Deployed);
        Assert.AreEqual("bob", registration.History[^1].Actor);
    }

    [TestMethod]
    public async Task ModelsRollback_NothingToRollBack_ExitsOne()
    {
        var store = SampleStore.Copy();

        var result = await Skillinf.RunAsync("models", "rollback", "persistence", "--store", store, "--actor", "bob");

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        Assert.StartsWith("error:", result.Error);
        Assert.AreEqual("1.0.0", (await SampleStore.OpenRegistry(store).ReadAsync()).Document.Skills["persistence"].Deployed);
    }
}
