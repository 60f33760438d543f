using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Cli;

[TestClass]
public sealed class PublishCommandTests
{
    [TestMethod]
    public async Task Publish_NewVersion_ExitsZeroAndTheStoreHasIt()
    {
        var store = SampleStore.Copy();
        var bundle = await WriteBundleAsync("collaboration", "1.1.0");

        var result = await Skillinf.RunAsync("publish", bundle, "--store", store, "--actor", "alice");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        var loaded = await SampleStore.OpenRegistry(store).Bundles.ReadAsync("collaboration", "1.1.0");
        Assert.AreEqual("1.1.0", loaded.Manifest.Version);
    }

    [TestMethod]
    public async Task Publish_NewVersion_DoesNotDeployIt()
    {
        var store = SampleStore.Copy();
        var bundle = await WriteBundleAsync("collaboration", "1.1.0");

        await Skillinf.RunAsync("publish", bundle, "--store", store, "--actor", "alice");

        Assert.AreEqual("1.0.0", (await SampleStore.OpenRegistry(store).ReadAsync()).Document.Skills["collaboration"].Deployed);
    }

    [TestMethod]
    public async Task Publish_SameVersionAgain_ExitsOneSayingBundlesAreImmutable()
    {
        var store = SampleStore.Copy();
        var bundle = await WriteBundleAsync("collaboration", "1.1.0");
        var first = await Skillinf.RunAsync("publish", bundle, "--store", store, "--actor", "alice");
        Assert.AreEqual(0, first.ExitCode, first.ToString());

        var again = await Skillinf.RunAsync("publish", bundle, "--store", store, "--actor", "alice");

        Assert.AreEqual(1, again.ExitCode, again.ToString());
        Assert.StartsWith("error:", again.Error);
        Assert.Contains("already published", again.Error);
        Assert.Contains("immutable", again.Error);
    }

    [TestMethod]
    public async Task Publish_TamperedModelFile_ExitsOneWithAChecksumMessage()
    {
        var store = SampleStore.Copy();
        var bundle = await WriteBundleAsync("collaboration", "1.1.0");
        var model = Directory.EnumerateFiles(bundle).Single(f => Path.GetFileName(f) != "manifest.json");
        var bytes = await File.ReadAllBytesAsync(model);
        bytes[^10] ^= 0x55;
        await File.WriteAllBytesAsync(model, bytes);

        var result = await Skillinf.RunAsync("publish", bundle, "--store", store, "--actor", "alice");

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        Assert.StartsWith("error:", result.Error);
        Assert.Contains("checksum", result.Error);
        Assert.IsFalse(Directory.Exists(Path.Combine(store, "skills", "collaboration", "1.1.0")), "the tampered bundle reached the store");
    }

    [TestMethod]
    public async Task Publish_FolderWithoutManifest_ExitsOneNamingTheManifest()
    {
        var store = SampleStore.Copy();
        var folder = TempDirectory.Create("not-a-bundle");
        await File.WriteAllTextAsync(Path.Combine(folder, "model.zip"), "not a model");

        var result = await Skillinf.RunAsync("publish", folder, "--store", store, "--actor", "alice");

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        Assert.StartsWith("error:", result.Error);
        Assert.Contains("manifest.json", result.Error);
    }

    [TestMethod]
    public async Task Publish_WithDeploy_DeploysTheNewVersion()
    {
        var store = SampleStore.Copy();
        var bundle = await WriteBundleAsync("creativity", "1.0.1");

        var result = await Skillinf.RunAsync("publish", bundle, "--store", store, "--actor", "alice", "--deploy");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        Assert.AreEqual("1.0.1", (await SampleStore.OpenRegistry(store).ReadAsync()).Document.Skills["creativity"].Deployed);
    }

    private static async Task<string> WriteBundleAsync(string skill, string version)
    {
        var folder = Path.Combine(TempDirectory.Create("bundle"), skill, version);
        await TestBundles.WithVersion(await SampleStore.LoadBundleAsync(skill), version).WriteDirectoryAsync(folder);
        return folder;
    }
}
