using Microsoft.Extensions.DependencyInjection;
using SkillInference.Inference;
using SkillInference.Loading;
using SkillInference.Registry;
using SkillInference.Routing;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Core.Routing;

/// <summary>Experiment semantics: deploy and rollback end experiments, the variant list is validated, assignment is sticky and monotone.</summary>
[TestClass]
public sealed class ExperimentTests
{
    private const string Skill = "collaboration";
    private static readonly ChangeContext Operator = new("test-operator", "experiment");

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Token => TestContext.CancellationTokenSource.Token;

    private static async Task<ServiceHarness> StartWithCandidateAsync()
    {
        var harness = await ServiceHarness.StartAsync();
        await harness.Registry.PublishAsync(TestBundles.WithVersion(await harness.Registry.Bundles.ReadAsync(Skill, "1.0.0"), "1.1.0"), Operator);
        return harness;
    }

    private static async Task<Dictionary<string, int>> VersionsServedAsync(ServiceHarness harness, int students)
    {
        var features = SampleRows.Requests(SampleStore.Catalog[Skill].Schema, 1)[0];
        var served = new Dictionary<string, int>();
        for (var i = 0; i < students; i++)
        {
            var result = await harness.Service.InferAsync(new InferenceRequest(Skill, features, $"student-{i}"));
            served[result.ModelVersion] = served.GetValueOrDefault(result.ModelVersion) + 1;
        }

        return served;
    }

    [TestMethod]
    public async Task DeployAsync_DuringNinetyTenSplit_ServesEveryIdentifiedStudentWithTheDeployedVersion()
    {
        // The report: after a 90/10 split of 1.0.0 and 1.1.0, deploying 1.1.0 left 364 of 400 students on 1.0.0.
        await using var harness = await StartWithCandidateAsync();
        await harness.Registry.SetVariantsAsync(Skill, [new TrafficVariant("1.0.0", 90), new TrafficVariant("1.1.0", 10)], Operator);

        await harness.Registry.DeployAsync(Skill, "1.1.0", Operator);
        await harness.Service.RefreshAsync();

        var served = await VersionsServedAsync(harness, 400);
        Assert.AreEqual(400, served.GetValueOrDefault("1.1.0"), string.Join(", ", served));
        var registration = (await harness.Registry.ReadAsync()).Document.Skills[Skill];
        Assert.AreEqual(0, registration.Variants.Count);
        Assert.IsNull(registration.ExperimentId);
    }

    [TestMethod]
    public async Task DeployAsync_DeployedVersionDuringSplit_EndsTheExperiment()
    {
        await using var harness = await StartWithCandidateAsync();
        await harness.Registry.SetVariantsAsync(Skill, [new TrafficVariant("1.0.0", 50), new TrafficVariant("1.1.0", 50)], Operator);

        await harness.Registry.DeployAsync(Skill, "1.0.0", Operator);
        await harness.Service.RefreshAsync();

        Assert.AreEqual(200, (await VersionsServedAsync(harness, 200)).GetValueOrDefault("1.0.0"));
    }

    [TestMethod]
    public async Task DeployAsync_DuringRollout_AbortsItNamingTheDeploy()
    {
        await using var harness = await StartWithCandidateAsync();
        var rollouts = harness.Services.GetRequiredService<SkillInference.Rollouts.RolloutManager>();
        await rollouts.StartAsync(Skill, new SkillInference.Rollouts.RolloutRequest("1.1.0", [10, 100]), Operator, Token);

        await harness.Registry.DeployAsync(Skill, "1.0.0", new ChangeContext("dave", "hotfix"), Token);

        var registration = (await harness.Registry.ReadAsync(Token)).Document.Skills[Skill];
        Assert.IsNull(registration.Rollout);
        Assert.AreEqual(0, registration.Variants.Count);
        var ended = registration.PastRollouts[^1];
        Assert.AreEqual(SkillInference.Rollouts.RolloutStates.Aborted, ended.State);
        Assert.AreEqual("ended by the deploy of 1.0.0", ended.Reason);
        Assert.AreEqual("dave", ended.Decisions[^1].Actor);
    }

    [TestMethod]
    public async Task SetVariantsAsync_DuringRollout_IsRefused()
    {
        await using var harness = await StartWithCandidateAsync();
        var rollouts = harness.Services.GetRequiredService<SkillInference.Rollouts.RolloutManager>();
        await rollouts.StartAsync(Skill, new SkillInference.Rollouts.RolloutRequest("1.1.0", [10, 100]), Operator, Token);

        var ex = await Assert.ThrowsExactlyAsync<RegistryException>(() => harness.Registry.SetVariantsAsync(Skill, [], Operator, Token));

        StringAssert.Contains(ex.Message, "rollout of 1.1.0 in progress");
    }

    [TestMethod]
    public async Task RollbackAsync_DuringSplit_EndsTheExperiment()
    {
        await using var harness = await StartWithCandidateAsync();
        await harness.Registry.DeployAsync(Skill, "1.1.0", Operator);
        await harness.Registry.SetVariantsAsync(Skill, [new TrafficVariant("1.1.0", 50), new TrafficVariant("1.0.0", 50)], Operator);

        await harness.Registry.RollbackAsync(Skill, Operator);
        await harness.Service.RefreshAsync();

        var served = await VersionsServedAsync(harness, 200);
        Assert.AreEqual(200, served.GetValueOrDefault("1.0.0"), string.Join(", ", served));
        Assert.AreEqual(0, (await harness.Registry.ReadAsync()).Document.Skills[Skill].Variants.Count);
    }

    [TestMethod]
    public async Task SetVariantsAsync_CandidateOnly_IsRefusedAndWritesNothing()
    {
        await using var harness = await StartWithCandidateAsync();
        var generation = await harness.Registry.Store.GetGenerationAsync(ModelRegistry.RegistryPath, Token);

        var ex = await Assert.ThrowsExactlyAsync<RegistryException>(() => harness.Registry.SetVariantsAsync(Skill, [new TrafficVariant("1.1.0", 10)], Operator, Token));

        Assert.AreEqual(RegistryErrorKind.InvalidRequest, ex.Kind);
        StringAssert.Contains(ex.Message, "deployed version 1.0.0");
        Assert.AreEqual(generation, await harness.Registry.Store.GetGenerationAsync(ModelRegistry.RegistryPath, Token));
    }

    [TestMethod]
    public async Task SetVariantsAsync_OnlyTheDeployedVersion_IsRefused()
    {
        await using var harness = await StartWithCandidateAsync();

        var ex = await Assert.ThrowsExactlyAsync<RegistryException>(() => harness.Registry.SetVariantsAsync(Skill, [new TrafficVariant("1.0.0", 10)], Operator, Token));

        Assert.AreEqual(RegistryErrorKind.InvalidRequest, ex.Kind);
    }

    [TestMethod]
    public async Task SetVariantsAsync_TooLargeWeight_IsRefusedNamingTheField()
    {
        await using var harness = await StartWithCandidateAsync();

        var ex = await Assert.ThrowsExactlyAsync<RegistryException>(() => harness.Registry.SetVariantsAsync(Skill, [new TrafficVariant("1.0.0", 10), new TrafficVariant("1.1.0", 1e9)], Operator, Token));

        Assert.AreEqual(RegistryErrorKind.InvalidRequest, ex.Kind);
        StringAssert.StartsWith(ex.Message, "variants[1].weight");
    }

    [TestMethod]
    public async Task SetVariantsAsync_NewExperiment_GetsANewIdAndEmptyListEndsIt()
    {
        await using var harness = await StartWithCandidateAsync();

        var first = await harness.Registry.SetVariantsAsync(Skill, [new TrafficVariant("1.0.0", 90), new TrafficVariant("1.1.0", 10)], Operator, Token);
        var second = await harness.Registry.SetVariantsAsync(Skill, [new TrafficVariant("1.0.0", 90), new TrafficVariant("1.1.0", 10)], Operator, Token);
        var ended = await harness.Registry.SetVariantsAsync(Skill, [], Operator, Token);

        Assert.IsNotNull(first.Document.Skills[Skill].ExperimentId);
        Assert.AreNotEqual(first.Document.Skills[Skill].ExperimentId, second.Document.Skills[Skill].ExperimentId);
        Assert.IsNull(ended.Document.Skills[Skill].ExperimentId);
        Assert.AreEqual(0, ended.Document.Skills[Skill].Variants.Count);
    }

    [TestMethod]
    public async Task Route_GrowingCandidateShare_OnlyMovesStudentsFromStableToCandidate()
    {
        await using var harness = await StartWithCandidateAsync();
        var stable = harness.Services.GetRequiredService<ModelCatalog>().Current.Skills[Skill].Deployed;
        using var candidate = await harness.Services.GetRequiredService<ModelLoader>().LoadAsync(Skill, "1.1.0", Token);
        var students = Enumerable.Range(0, 5_000).Select(i => $"s-{i}").ToArray();

        HashSet<string>? previous = null;
        foreach (var percent in new[] { 1.0, 10, 25, 50, 90, 100 })
        {
            var serving = new SkillServing(Skill, stable, [(stable, 100 - percent), (candidate, percent)], "exp-1");
            var onCandidate = students.Where(s => ReferenceEquals(TrafficRouter.Route(serving, s), candidate)).ToHashSet();

            Assert.AreEqual(percent / 100, onCandidate.Count / (double)students.Length, 0.025, $"share at {percent} %");
            if (previous is not null)
            {
                Assert.IsTrue(previous.IsSubsetOf(onCandidate), $"a student left the candidate when its share grew to {percent} %");
            }

            previous = onCandidate;
        }

        Assert.AreSame(stable, TrafficRouter.Route(new SkillServing(Skill, stable, [(stable, 0), (candidate, 100)], "exp-1"), null));
    }

    [TestMethod]
    public void BucketPoint_DifferentExperiments_AssignIndependently()
    {
        var same = Enumerable.Range(0, 4_000).Count(i =>
            TrafficRouter.BucketPoint(Skill, $"s{i}", "exp-a") < 0.5 == TrafficRouter.BucketPoint(Skill, $"s{i}", "exp-b") < 0.5);

        Assert.AreEqual(2_000, same, 150);
    }
}
