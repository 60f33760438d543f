using SkillInference.Registry;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Cli;

[TestClass]
public sealed class ModelsDeployCommandTests
{
    [TestMethod]
    public async Task ModelsDeploy_PublishedVersion_ExitsZeroAndDeploysIt()
    {
        var store = await StoreWithMinorVersionAsync();

        var result = await Skillinf.RunAsync("models", "deploy", "collaboration", "1.1.0", "--store", store, "--actor", "alice", "--reason", "r");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        Assert.AreEqual("1.1.0", (await SampleStore.OpenRegistry(store).ReadAsync()).Document.Skills["collaboration"].Deployed);
    }

    [TestMethod]
    public async Task ModelsDeploy_PublishedVersion_RecordsActorAndReasonInTheHistory()
    {
        var store = await StoreWithMinorVersionAsync();

        await Skillinf.RunAsync("models", "deploy", "collaboration", "1.1.0", "--store", store, "--actor", "alice", "--reason", "r");

        var latest = (await SampleStore.OpenRegistry(store).ReadAsync()).Document.Skills["collaboration"].History[^1];
        Assert.AreEqual(RegistryActions.Deploy, latest.Action);
        Assert.AreEqual("1.1.0", latest.Version);
        Assert.AreEqual("1.0.0", latest.Previous);
        Assert.AreEqual("alice", latest.Actor);
        Assert.AreEqual("r", latest.Reason);
    }

    [TestMethod]
    public async Task ModelsDeploy_UnpublishedVersion_ExitsOneListingThePublishedVersions()
    {
        var store = await StoreWithMinorVersionAsync();

        var result = await Skillinf.RunAsync("models", "deploy", "collaboration", "2.0.0", "--store", store, "--actor", "alice");

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        Assert.StartsWith("error:", result.Error);
        Assert.Contains("1.0.0, 1.1.0", result.Error);
        Assert.AreEqual("1.0.0", (await SampleStore.OpenRegistry(store).ReadAsync()).Document.Skills["collaboration"].Deployed);
    }

    private static async Task<string> StoreWithMinorVersionAsync()
    {
        var store = SampleStore.Copy();
        var bundle = TestBundles.WithVersion(await SampleStore.LoadBundleAsync("collaboration"), "1.1.0");
        await SampleStore.OpenRegistry(store).PublishAsync(bundle, new ChangeContext("setup"));
        return store;
    }
}
