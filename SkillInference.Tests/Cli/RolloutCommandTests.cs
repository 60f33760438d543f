using SkillInference.Registry;
using SkillInference.Rollouts;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Cli;

[TestClass]
public sealed class RolloutCommandTests
{
    private static async Task<string> StoreWithCandidateAsync()
    {
        var store = SampleStore.Copy();
        await SampleStore.OpenRegistry(store).PublishAsync(TestBundles.WithVersion(await SampleStore.LoadBundleAsync("persistence"), "1.1.0"), new ChangeContext("setup"));
        return store;
    }

    [TestMethod]
    public async Task RolloutStart_PublishedVersion_SplitsTrafficAndStatusShowsIt()
    {
        var store = await StoreWithCandidateAsync();

        var start = await Skillinf.RunAsync("rollout", "start", "persistence", "1.1.0", "--steps", "5,50,100", "--bake-time", "00:00:05", "--min-samples", "20", "--store", store, "--actor", "bob", "--reason", "retrained");
        var status = await Skillinf.RunAsync("rollout", "status", "persistence", "--store", store);

        Assert.AreEqual(0, start.ExitCode, start.ToString());
        Assert.Contains("step 1 of 3 at 5 %", start.Output);
        var registration = (await SampleStore.OpenRegistry(store).ReadAsync()).Document.Skills["persistence"];
        Assert.AreEqual(RolloutStates.Running, registration.Rollout!.State);
        Assert.AreEqual(20, registration.Rollout.Guards.MinSamples);
        Assert.AreEqual(TimeSpan.FromSeconds(5), registration.Rollout.BakeTime);
        CollectionAssert.AreEqual(new[] { new TrafficVariant("1.0.0", 95), new TrafficVariant("1.1.0", 5) }, registration.Variants.ToArray());
        Assert.AreEqual("bob", registration.History[^1].Actor);
        Assert.AreEqual(0, status.ExitCode, status.ToString());
        Assert.Contains("running, step 1 of 3, weight 5 %", status.Output);
    }

    [TestMethod]
    public async Task RolloutPauseResumePromote_InOrder_DeployTheCandidate()
    {
        var store = await StoreWithCandidateAsync();
        Assert.AreEqual(0, (await Skillinf.RunAsync("rollout", "start", "persistence", "1.1.0", "--store", store, "--actor", "bob")).ExitCode);

        var pause = await Skillinf.RunAsync("rollout", "pause", "persistence", "--store", store, "--actor", "bob");
        var resume = await Skillinf.RunAsync("rollout", "resume", "persistence", "--store", store, "--actor", "bob");
        var promote = await Skillinf.RunAsync("rollout", "promote", "persistence", "--store", store, "--actor", "bob", "--reason", "looks good");

        Assert.Contains("is paused", pause.Output);
        Assert.Contains("is running", resume.Output);
        Assert.AreEqual(0, promote.ExitCode, promote.ToString());
        var registration = (await SampleStore.OpenRegistry(store).ReadAsync()).Document.Skills["persistence"];
        Assert.AreEqual("1.1.0", registration.Deployed);
        Assert.AreEqual(0, registration.Variants.Count);
        Assert.AreEqual(RolloutStates.Promoted, registration.PastRollouts[^1].State);
    }

    [TestMethod]
    public async Task RolloutAbort_NoRollout_ExitsOne()
    {
        var store = SampleStore.Copy();

        var result = await Skillinf.RunAsync("rollout", "abort", "persistence", "--store", store, "--actor", "bob");

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        Assert.StartsWith("error:", result.Error);
    }

    [TestMethod]
    public async Task RolloutStart_DecreasingSteps_ExitsOneNamingTheField()
    {
        var store = await StoreWithCandidateAsync();

        var result = await Skillinf.RunAsync("rollout", "start", "persistence", "1.1.0", "--steps", "50,10", "--store", store, "--actor", "bob");

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        Assert.Contains("steps[1]", result.Error);
    }
}
