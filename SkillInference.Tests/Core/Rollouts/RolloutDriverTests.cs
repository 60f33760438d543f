using SkillInference.Monitoring;
using SkillInference.Registry;
using SkillInference.Rollouts;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Core.Rollouts;

/// <summary>The rollout driver on real stores and real scoring, with a fake clock and the driver's ticks called directly.</summary>
[TestClass]
public sealed class RolloutDriverTests
{
    private const string Skill = RolloutHarness.Skill;
    private static readonly ChangeContext Operator = new("carol", "canary of the retrained model");
    private static readonly TimeSpan Bake = TimeSpan.FromMinutes(10);
    private static readonly RolloutGuards Guards = new() { MinSamples = 150 };

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Token => TestContext.CancellationTokenSource.Token;

    private static RolloutRequest Plan(params double[] steps) => new("1.1.0", steps, Bake, Guards, "retrained");

    [TestMethod]
    public async Task DriveAsync_GoodCandidate_GoesThroughEveryStepAndIsDeployedWithNoVariants()
    {
        await using var host = await RolloutHarness.StartAsync("host-a");
        await RolloutHarness.PublishCandidateAsync(host.Registry);
        await host.Rollouts.StartAsync(Skill, Plan(10, 50, 100), Operator, Token);

        var weights = new List<double>();
        for (var step = 0; step < 3; step++)
        {
            await host.TrafficAsync(2_000, first: step * 2_000);
            host.Time.Advance(Bake);
            await host.Rollouts.DriveAsync(Token);
            var registration = await host.RegistrationAsync();
            weights.Add(registration.Rollout?.Weight ?? registration.PastRollouts[^1].Weight);
        }

        CollectionAssert.AreEqual(new[] { 50.0, 100, 100 }, weights.ToArray());
        var final = await host.RegistrationAsync();
        Assert.AreEqual("1.1.0", final.Deployed);
        Assert.AreEqual(0, final.Variants.Count);
        Assert.IsNull(final.ExperimentId);
        Assert.IsNull(final.Rollout);
        var ended = final.PastRollouts[^1];
        Assert.AreEqual(RolloutStates.Promoted, ended.State);
        CollectionAssert.AreEqual(new[] { "start", "step", "step", "promoted" }, ended.Decisions.Select(d => d.Action).ToArray());
        var psi = ended.Decisions[1].Guards.Single(g => g.Guard == RolloutGuardEvaluator.ScorePsi);
        Assert.AreEqual(GuardStatus.Pass, psi.Status, psi.Detail);
        Assert.AreEqual(RegistryActions.Deploy, final.History[^1].Action);
        Assert.AreEqual("host-a", final.History[^1].Actor);
        CollectionAssert.AreEqual(new[] { "running", "running", "running", "promoted" }, host.Notices.Notices.Select(n => n.State).ToArray());

        // Every identified student is now served by the promoted version.
        var served = await host.TrafficAsync(300, first: 50_000);
        Assert.IsTrue(served.Values.All(v => v == "1.1.0"));
    }

    [TestMethod]
    public async Task DriveAsync_ShiftedScores_RollsBackAtTheFirstStepNamingTheGuardAndValue()
    {
        await using var host = await RolloutHarness.StartAsync("host-a");
        await RolloutHarness.PublishCandidateAsync(host.Registry, shifted: true);
        await host.Rollouts.StartAsync(Skill, Plan(10, 50, 100), Operator, Token);

        await host.TrafficAsync(2_000);
        await host.Rollouts.DriveAsync(Token); // before the bake time: a failed guard rolls back at once

        var registration = await host.RegistrationAsync();
        var ended = registration.PastRollouts[^1];
        Assert.AreEqual(RolloutStates.RolledBack, ended.State);
        Assert.AreEqual(0, ended.Step);
        Assert.AreEqual("1.0.0", registration.Deployed);
        Assert.AreEqual(0, registration.Variants.Count);
        var psi = ended.Decisions[^1].Guards.Single(g => g.Guard == RolloutGuardEvaluator.ScorePsi);
        Assert.AreEqual(GuardStatus.Fail, psi.Status);
        Assert.IsTrue(psi.Value > Guards.MaxScorePsi, psi.Detail);
        StringAssert.Contains(ended.Reason, "guard score_psi failed at step 1");
        StringAssert.Contains(ended.Reason, psi.Value!.Value.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture));
        var audit = registration.History[^1];
        Assert.AreEqual(RegistryActions.Rollout, audit.Action);
        Assert.AreEqual("host-a", audit.Actor);
        StringAssert.Contains(audit.Reason, "score_psi");
        Assert.AreEqual("rolled_back", host.Notices.Notices[^1].State);
        Assert.IsTrue(host.Notices.Notices[^1].Values!["score_psi"] > Guards.MaxScorePsi);

        var served = await host.TrafficAsync(300, first: 10_000);
        Assert.IsTrue(served.Values.All(v => v == "1.0.0"));
    }

    [TestMethod]
    public async Task DriveAsync_AcrossSteps_StudentsStayOnTheCandidateOnceMoved()
    {
        await using var host = await RolloutHarness.StartAsync("host-a");
        await RolloutHarness.PublishCandidateAsync(host.Registry);
        await host.Rollouts.StartAsync(Skill, Plan(10, 25, 50, 90), Operator, Token);

        HashSet<string>? previous = null;
        for (var step = 0; step < 4; step++)
        {
            var served = await host.TrafficAsync(3_000);
            var onCandidate = served.Where(kv => kv.Value == "1.1.0").Select(kv => kv.Key).ToHashSet();
            var expected = new[] { 0.10, 0.25, 0.50, 0.90 }[step];
            Assert.AreEqual(expected, onCandidate.Count / 3000.0, 0.03, $"step {step + 1}");
            if (previous is not null)
            {
                Assert.IsTrue(previous.IsSubsetOf(onCandidate), $"a student went back to stable at step {step + 1}");
            }

            previous = onCandidate;
            host.Time.Advance(Bake);
            await host.Rollouts.DriveAsync(Token);
        }

        Assert.AreEqual("1.1.0", (await host.RegistrationAsync()).Deployed);
    }

    [TestMethod]
    public async Task DriveAsync_SkewedRouter_IsRolledBackBySampleRatioCheck()
    {
        await using var host = await RolloutHarness.StartAsync("host-a", router: new SkewedRouter());
        await RolloutHarness.PublishCandidateAsync(host.Registry);
        await host.Rollouts.StartAsync(Skill, Plan(10, 50, 100), Operator, Token);

        await host.TrafficAsync(2_000);
        host.Time.Advance(Bake);
        await host.Rollouts.DriveAsync(Token);

        var ended = (await host.RegistrationAsync()).PastRollouts[^1];
        Assert.AreEqual(RolloutStates.RolledBack, ended.State);
        var srm = ended.Decisions[^1].Guards.Single(g => g.Guard == RolloutGuardEvaluator.SampleRatio);
        Assert.AreEqual(GuardStatus.Fail, srm.Status);
        Assert.IsTrue(srm.Value < 0.001, srm.Detail);
        StringAssert.Contains(ended.Reason, "guard sample_ratio failed");
    }

    [TestMethod]
    public async Task DriveAsync_NoTraffic_WaitsAndNeverPromotes()
    {
        await using var host = await RolloutHarness.StartAsync("host-a");
        await RolloutHarness.PublishCandidateAsync(host.Registry);
        await host.Rollouts.StartAsync(Skill, Plan(10, 100), Operator, Token);

        for (var i = 0; i < 5; i++)
        {
            host.Time.Advance(Bake);
            await host.Rollouts.DriveAsync(Token);
        }

        var registration = await host.RegistrationAsync();
        Assert.AreEqual("1.0.0", registration.Deployed);
        Assert.AreEqual(RolloutStates.WaitingForTraffic, registration.Rollout!.State);
        Assert.AreEqual(0, registration.Rollout.Step);
        Assert.AreEqual(10, registration.Rollout.Weight);
        StringAssert.StartsWith(registration.Rollout.Reason, "waiting for traffic at step 1");
        StringAssert.Contains(registration.Rollout.Reason, "0 of 150");
        Assert.AreEqual(1, registration.Rollout.Decisions.Count(d => d.Action == "wait"), "the wait is recorded once, not at every tick");
        Assert.AreEqual(0, registration.Rollout.Decisions.Count(d => d.Action == "step"));
    }

    [TestMethod]
    public async Task DriveAsync_Paused_NeverStepsUntilResumedAndBakedAgain()
    {
        await using var host = await RolloutHarness.StartAsync("host-a");
        await RolloutHarness.PublishCandidateAsync(host.Registry);
        await host.Rollouts.StartAsync(Skill, Plan(10, 100), Operator, Token);
        await host.Rollouts.ApplyAsync(Skill, RolloutAction.Pause, Operator, Token);

        await host.TrafficAsync(2_000);
        host.Time.Advance(Bake);
        await host.Rollouts.DriveAsync(Token);
        Assert.AreEqual(RolloutStates.Paused, (await host.RegistrationAsync()).Rollout!.State);
        Assert.AreEqual(10, (await host.TrafficAsync(2_000, first: 2_000)).Values.Count(v => v == "1.1.0") / 20.0, 3, "a paused rollout keeps its traffic");

        await host.Rollouts.ApplyAsync(Skill, RolloutAction.Resume, Operator, Token);
        await host.TrafficAsync(2_000, first: 4_000);
        await host.Rollouts.DriveAsync(Token);
        Assert.AreEqual(0, (await host.RegistrationAsync()).Rollout!.Step, "the resumed step bakes again");

        host.Time.Advance(Bake);
        await host.Rollouts.DriveAsync(Token);
        Assert.AreEqual(1, (await host.RegistrationAsync()).Rollout!.Step);
    }

    [TestMethod]
    public async Task DriveAsync_TwoHostsSharingAStore_StepOnce()
    {
        await using var a = await RolloutHarness.StartAsync("host-a");
        await using var b = await RolloutHarness.StartAsync("host-b", a.StorePath, a.Time);
        await RolloutHarness.PublishCandidateAsync(a.Registry);
        await a.Rollouts.StartAsync(Skill, Plan(10, 50, 100), Operator, Token);
        await a.Inner.Service.RefreshAsync();
        await b.Inner.Service.RefreshAsync();
        await a.Rollouts.DriveAsync(Token); // a takes the lease
        Assert.AreEqual("host-a", (await a.RegistrationAsync()).Rollout!.Lease!.Holder);

        await a.TrafficAsync(2_000);
        await b.TrafficAsync(2_000, first: 2_000);
        for (var t = TimeSpan.Zero; t < Bake; t += TimeSpan.FromSeconds(10))
        {
            // Ticks every 10 s: a renews its 30 s lease, b only counts.
            a.Time.Advance(TimeSpan.FromSeconds(10));
            await Task.WhenAll(a.Rollouts.DriveAsync(Token), b.Rollouts.DriveAsync(Token));
        }

        await Task.WhenAll(a.Rollouts.DriveAsync(Token), b.Rollouts.DriveAsync(Token), b.Rollouts.DriveAsync(Token));

        var rollout = (await a.RegistrationAsync()).Rollout!;
        Assert.AreEqual(1, rollout.Step);
        Assert.AreEqual(1, rollout.Decisions.Count(d => d.Action == "step"));
        Assert.AreEqual("host-a", rollout.Decisions.Single(d => d.Action == "step").Actor);
        Assert.IsFalse(rollout.Decisions.Any(d => d.Actor == "host-b"), "b never decided while a held the lease");
    }

    [TestMethod]
    public async Task DriveAsync_TwoHostsWithExpiredLease_RaceAndStepOnce()
    {
        await using var a = await RolloutHarness.StartAsync("host-a");
        await using var b = await RolloutHarness.StartAsync("host-b", a.StorePath, a.Time);
        await RolloutHarness.PublishCandidateAsync(a.Registry);
        await a.Rollouts.StartAsync(Skill, Plan(10, 50, 100), Operator, Token);
        await a.Inner.Service.RefreshAsync();
        await b.Inner.Service.RefreshAsync();
        await a.Rollouts.DriveAsync(Token);
        await b.Rollouts.DriveAsync(Token); // both count the step from here

        await a.TrafficAsync(2_000);
        await b.TrafficAsync(2_000, first: 2_000);
        a.Time.Advance(Bake); // a's lease has expired: either may drive
        await Task.WhenAll(a.Rollouts.DriveAsync(Token), b.Rollouts.DriveAsync(Token));
        await Task.WhenAll(a.Rollouts.DriveAsync(Token), b.Rollouts.DriveAsync(Token));

        var rollout = (await a.RegistrationAsync()).Rollout!;
        Assert.AreEqual(1, rollout.Step, string.Join(" | ", rollout.Decisions.Select(d => $"{d.Action} by {d.Actor}")));
        Assert.AreEqual(1, rollout.Decisions.Count(d => d.Action == "step"));
    }

    [TestMethod]
    public async Task DriveAsync_HostRestartedMidRollout_Resumes()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
        string store;
        await using (var first = await RolloutHarness.StartAsync("host-a", time: time))
        {
            store = first.StorePath;
            await RolloutHarness.PublishCandidateAsync(first.Registry);
            await first.Rollouts.StartAsync(Skill, Plan(10, 50, 100), Operator, Token);
            await first.TrafficAsync(2_000);
            time.Advance(Bake);
            await first.Rollouts.DriveAsync(Token);
            Assert.AreEqual(1, (await first.RegistrationAsync()).Rollout!.Step);
        }

        await using var restarted = await RolloutHarness.StartAsync("host-a-restarted", store, time);
        time.Advance(TimeSpan.FromSeconds(5));
        await restarted.Rollouts.DriveAsync(Token);
        Assert.AreEqual(1, (await restarted.RegistrationAsync()).Rollout!.Step, "the old lease still holds");

        await restarted.TrafficAsync(2_000, first: 2_000);
        time.Advance(Bake);
        await restarted.Rollouts.DriveAsync(Token);

        var rollout = (await restarted.RegistrationAsync()).Rollout!;
        Assert.AreEqual(2, rollout.Step);
        Assert.AreEqual(100, rollout.Weight);
        Assert.AreEqual("host-a-restarted", rollout.Decisions[^1].Actor);
    }

    [TestMethod]
    public async Task DriveAsync_CandidateCorrelationBelowFloor_RollsBack()
    {
        var agreement = new FixedAgreement(
            new AgreementResult(Skill, "1.0.0", "deployed", 0.72, 400, 0.67, 0.76, 0.7, 0.5, "ok", DateTimeOffset.UnixEpoch),
            new AgreementResult(Skill, "1.1.0", "variant", 0.41, 120, 0.25, 0.55, 0.4, 0.5, "alert", DateTimeOffset.UnixEpoch));
        var r = await CorrelationGuardOfRolledBackRolloutAsync(agreement);

        Assert.AreEqual(0.41, r.Value);
        StringAssert.Contains(r.Detail, "below 0.50");
    }

    [TestMethod]
    public async Task DriveAsync_CandidateCorrelationSignificantlyBelowStables_RollsBackWithTheInterval()
    {
        // Fisher z by hand: (atanh 0.55 - atanh 0.75) / sqrt(2 / 397) = -5.0, one-sided p ~ 3e-7.
        var agreement = new FixedAgreement(
            new AgreementResult(Skill, "1.0.0", "deployed", 0.75, 400, 0.70, 0.79, 0.7, 0.5, "ok", DateTimeOffset.UnixEpoch),
            new AgreementResult(Skill, "1.1.0", "variant", 0.55, 400, 0.48, 0.61, 0.5, 0.5, "ok", DateTimeOffset.UnixEpoch));
        var r = await CorrelationGuardOfRolledBackRolloutAsync(agreement);

        StringAssert.Contains(r.Detail, "significantly below stable's 0.75");
        StringAssert.Contains(r.Detail, "95 % CI 0.48 to 0.61");
    }

    /// <summary>Starts a rollout whose teacher-rating agreement is <paramref name="agreement"/>, drives it once, checks it rolled back, and returns its correlation guard.</summary>
    private async Task<GuardResult> CorrelationGuardOfRolledBackRolloutAsync(FixedAgreement agreement)
    {
        await using var host = await RolloutHarness.StartAsync("host-a", agreement: agreement);
        await RolloutHarness.PublishCandidateAsync(host.Registry);
        await host.Rollouts.StartAsync(Skill, Plan(10, 100), Operator, Token);

        await host.Rollouts.DriveAsync(Token);

        var ended = (await host.RegistrationAsync()).PastRollouts[^1];
        Assert.AreEqual(RolloutStates.RolledBack, ended.State);
        var r = ended.Decisions[^1].Guards.Single(g => g.Guard == RolloutGuardEvaluator.Correlation);
        return r;
    }

    [TestMethod]
    public async Task DriveAsync_TooFewLabels_SaysSoAndDoesNotBlock()
    {
        var agreement = new FixedAgreement(new AgreementResult(Skill, "1.1.0", "variant", 0.2, 12, null, null, null, 0.1, "insufficient_data", DateTimeOffset.UnixEpoch));
        await using var host = await RolloutHarness.StartAsync("host-a", agreement: agreement);
        await RolloutHarness.PublishCandidateAsync(host.Registry);
        await host.Rollouts.StartAsync(Skill, Plan(10, 100), Operator, Token);

        await host.TrafficAsync(2_000);
        host.Time.Advance(Bake);
        await host.Rollouts.DriveAsync(Token);

        var rollout = (await host.RegistrationAsync()).Rollout!;
        Assert.AreEqual(1, rollout.Step);
        var r = rollout.Decisions[^1].Guards.Single(g => g.Guard == RolloutGuardEvaluator.Correlation);
        Assert.AreEqual(GuardStatus.Waiting, r.Status);
        var minN = RolloutGuardEvaluator.MinimumLabelledPairs(Guards, null);
        StringAssert.Contains(r.Detail, $"waiting for labels: n=12, need >= {minN}");
    }

    [TestMethod]
    public void MinimumLabelledPairs_AgainstStableAtSeventy_MatchesTheFisherPowerFormula()
    {
        // Hand-computed: ((1.6449 + 0.8416) / (atanh 0.70 - atanh 0.50))^2 + 3 = (2.4865 / 0.3180)^2 + 3 = 64.1 -> 65.
        Assert.AreEqual(65, RolloutGuardEvaluator.MinimumLabelledPairs(new RolloutGuards(), 0.70));
        Assert.AreEqual(65, RolloutGuardEvaluator.MinimumLabelledPairs(new RolloutGuards(), null));
        Assert.IsTrue(RolloutGuardEvaluator.MinimumLabelledPairs(new RolloutGuards(), 0.85) < 65);
    }
}
