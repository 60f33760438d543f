using CsCheck;
using SkillInference.Inference;
using SkillInference.Schema;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Core.Inference;

[TestClass]
public sealed class SkillInferenceServiceTests
{
    private static ServiceHarness _harness = null!;

    [ClassInitialize]
    public static async Task InitializeAsync(TestContext context) => _harness = await ServiceHarness.StartAsync(SampleStore.Path);

    [ClassCleanup]
    public static async Task CleanupAsync() => await _harness.DisposeAsync();

    private static ISkillInferenceService Service => _harness.Service;

    [TestMethod]
    public async Task InferAsync_AnyValidFeatures_ScoreAndConfidenceWithinUnitInterval()
    {
        var bundle = await SampleStore.LoadBundleAsync("persistence");
        var specs = bundle.Schema.Features;
        var gen = Gen.Select(Gen.Double[0, 1].Array[specs.Count], Gen.Bool.Array[specs.Count], (u, present) =>
            specs.Select((f, i) => (f, i))
                .Where(p => p.f.Required || present[p.i])
                .ToDictionary(p => p.f.Name, p => (double?)(p.f.Min + (u[p.i] * (Math.Min(p.f.Max, 1e6) - p.f.Min)))));

        await gen.SampleAsync(async features =>
        {
            var result = await Service.InferAsync(new InferenceRequest("persistence", features));
            return result.Score is >= 0 and <= 1 && result.Confidence is >= 0 and <= 1;
        }, iter: 300);
    }

    [TestMethod]
    public async Task InferAsync_Result_ConfidenceFollowsDocumentedFormula()
    {
        var bundle = await SampleStore.LoadBundleAsync("collaboration");
        var row = SampleRows.CompleteRequests(bundle.Schema, 1)[0];
        var omitted = new[] { "sentiment", "politeness", "hedging_rate" };
        foreach (var name in omitted)
        {
            row.Remove(name);
        }

        var result = await Service.InferAsync(new InferenceRequest("collaboration", row));

        var imputedShare = bundle.Manifest.Importance.Where(i => omitted.Contains(i.Feature)).Sum(i => i.Gain);
        var expected = Math.Abs((2 * result.Score) - 1) * (1 - imputedShare);
        Assert.AreEqual(expected, result.Confidence, 1e-12);
        CollectionAssert.AreEquivalent(omitted, result.ImputedFeatures.ToArray());
    }

    [TestMethod]
    public async Task InferAsync_Result_ReportsTopFiveFeaturesByGlobalImportanceWithValuesUsed()
    {
        var bundle = await SampleStore.LoadBundleAsync("curiosity");
        var row = SampleRows.CompleteRequests(bundle.Schema, 1)[0];

        var result = await Service.InferAsync(new InferenceRequest("curiosity", row));

        var expected = bundle.Manifest.Importance.OrderByDescending(i => i.Gain).Take(5).ToArray();
        Assert.HasCount(5, result.TopFeatures);
        for (var i = 0; i < 5; i++)
        {
            Assert.AreEqual(expected[i].Feature, result.TopFeatures[i].Name);
            Assert.AreEqual(expected[i].Gain, result.TopFeatures[i].Importance);
            Assert.AreEqual(row[expected[i].Feature], result.TopFeatures[i].Value);
            Assert.IsFalse(result.TopFeatures[i].Imputed);
        }
    }

    [TestMethod]
    public async Task InferAsync_NativeMissingFeature_ReportsNullValueAndImputed()
    {
        var bundle = await SampleStore.LoadBundleAsync("collaboration");
        var native = bundle.Schema.Features.First(f => f.Missing.Rule == MissingValueStrategy.Native).Name;
        var row = SampleRows.CompleteRequests(bundle.Schema, 1)[0];
        row[native] = null;

        var result = await Service.InferAsync(new InferenceRequest("collaboration", row));

        CollectionAssert.Contains(result.ImputedFeatures.ToArray(), native);
        var top = result.TopFeatures.FirstOrDefault(t => t.Name == native);
        if (top is not null)
        {
            Assert.IsNull(top.Value);
            Assert.IsTrue(top.Imputed);
        }
    }

    [TestMethod]
    public async Task InferAsync_UnknownSkill_ThrowsUnknownSkill()
    {
        var ex = await Assert.ThrowsExactlyAsync<InferenceException>(async () => await Service.InferAsync(new InferenceRequest("teamwork", new Dictionary<string, double?>())));

        Assert.AreEqual(InferenceErrorKind.UnknownSkill, ex.Kind);
        Assert.Contains("collaboration", ex.Message);
    }

    [TestMethod]
    public async Task InferAsync_BeforeFirstRefresh_ThrowsModelNotLoaded()
    {
        await using var harness = await ServiceHarness.StartAsync(SampleStore.Path, refresh: false);

        var ex = await Assert.ThrowsExactlyAsync<InferenceException>(async () => await harness.Service.InferAsync(new InferenceRequest("collaboration", new Dictionary<string, double?>())));

        Assert.AreEqual(InferenceErrorKind.ModelNotLoaded, ex.Kind);
        Assert.IsFalse(harness.Service.Status.IsReady);
    }

    [TestMethod]
    public async Task InferAsync_InvalidFeatures_ThrowsWithEveryErrorAndNoValues()
    {
        var features = new Dictionary<string, double?> { ["streak_dayz"] = 4, ["task_completion_rate"] = 1.5, ["streak_days"] = 21.987 };

        var ex = await Assert.ThrowsExactlyAsync<FeatureValidationException>(async () => await Service.InferAsync(new InferenceRequest("persistence", features)));

        CollectionAssert.AreEquivalent(
            new[] { ("streak_dayz", FeatureErrorCode.Unknown), ("task_completion_rate", FeatureErrorCode.OutOfRange) },
            ex.Errors.Select(e => (e.Feature, e.Code)).ToArray());
        Assert.DoesNotContain("1.5", ex.Message);
        Assert.DoesNotContain("21.987", ex.Message);
    }

    [TestMethod]
    public async Task InferBatchAsync_MixedItems_ReturnsOutcomesInOrderEqualToSingleCalls()
    {
        var collaboration = SampleRows.Requests(SampleStore.Catalog["collaboration"].Schema, 40);
        var persistence = SampleRows.Requests(SampleStore.Catalog["persistence"].Schema, 40, skip: 100);
        var items = new List<InferenceRequest>();
        for (var i = 0; i < 40; i++)
        {
            items.Add(new InferenceRequest("collaboration", collaboration[i], $"s{i}"));
            items.Add(new InferenceRequest(i % 10 == 0 ? "unknown_skill" : "persistence", persistence[i]));
        }

        items.Insert(17, new InferenceRequest("persistence", new Dictionary<string, double?> { ["bogus"] = 1 }));

        var outcomes = await Service.InferBatchAsync(items);

        Assert.HasCount(items.Count, outcomes);
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (item.Skill == "unknown_skill")
            {
                Assert.AreEqual(InferenceErrorKind.UnknownSkill, outcomes[i].Error?.Kind);
            }
            else if (item.Features.ContainsKey("bogus"))
            {
                Assert.AreEqual(InferenceErrorKind.InvalidFeatures, outcomes[i].Error?.Kind);
                Assert.IsTrue(outcomes[i].Error!.FeatureErrors.Any(e => e.Feature == "bogus" && e.Code == FeatureErrorCode.Unknown));
            }
            else
            {
                var single = await Service.InferAsync(item);
                Assert.IsTrue(outcomes[i].IsSuccess, outcomes[i].Error?.Message);
                Assert.AreEqual(single.Score, outcomes[i].Result!.Score);
                Assert.AreEqual(item.Skill, outcomes[i].Result!.Skill);
                CollectionAssert.AreEqual(single.ImputedFeatures.ToArray(), outcomes[i].Result!.ImputedFeatures.ToArray());
            }
        }
    }

    [TestMethod]
    public async Task InferAllSkillsAsync_OneStudent_ScoresEverySkillLikeSingleCalls()
    {
        var student = SampleRows.Student(5);

        var outcomes = await Service.InferAllSkillsAsync(student);

        Assert.HasCount(7, outcomes);
        foreach (var outcome in outcomes)
        {
            Assert.IsTrue(outcome.IsSuccess, outcome.Error?.Message);
            var schema = SampleStore.Catalog[outcome.Result!.Skill].Schema;
            var own = student.Where(kv => schema.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value);
            var single = await Service.InferAsync(new InferenceRequest(outcome.Result.Skill, own));
            Assert.AreEqual(single.Score, outcome.Result.Score);
        }

        CollectionAssert.AreEquivalent(SampleStoreSkills.Ids.ToArray(), outcomes.Select(o => o.Result!.Skill).ToArray());
    }

    [TestMethod]
    public async Task InferAllSkillsAsync_NameNoSkillUses_FailsEverySkill()
    {
        var student = SampleRows.Student(5);
        student["shoe_size"] = 42;

        var outcomes = await Service.InferAllSkillsAsync(student);

        Assert.IsTrue(outcomes.All(o => !o.IsSuccess && o.Error.FeatureErrors.Any(e => e.Feature == "shoe_size" && e.Code == FeatureErrorCode.Unknown)));
    }

    [TestMethod]
    public async Task InferStudentsAsync_ManyStudents_EqualOneStudentAtATime()
    {
        var students = Enumerable.Range(0, 150).Select(i => new StudentRequest($"S{i}", SampleRows.Student(i))).ToArray();
        students[7] = students[7] with { Features = new Dictionary<string, double?>(students[7].Features) { ["streak_days"] = -5 } };

        var scores = await Service.InferStudentsAsync(students);

        Assert.HasCount(students.Length, scores);
        for (var i = 0; i < students.Length; i++)
        {
            var single = await Service.InferAllSkillsAsync(students[i].Features, students[i].StudentId);
            Assert.AreEqual(students[i].StudentId, scores[i].StudentId);
            Assert.HasCount(7, scores[i].Outcomes);
            for (var s = 0; s < 7; s++)
            {
                Assert.AreEqual(single[s].IsSuccess, scores[i].Outcomes[s].IsSuccess);
                Assert.AreEqual(single[s].Result?.Score, scores[i].Outcomes[s].Result?.Score);
                Assert.AreEqual(single[s].Result?.FeatureHash, scores[i].Outcomes[s].Result?.FeatureHash);
            }
        }

        // streak_days is out of range: only the skills that use it fail for that student.
        var failed = scores[7].Outcomes.Where(o => !o.IsSuccess).ToArray();
        Assert.IsNotEmpty(failed);
        Assert.IsTrue(failed.All(o => o.Error!.FeatureErrors.All(e => e.Feature == "streak_days")));
        Assert.IsTrue(scores[7].Outcomes.Any(o => o.IsSuccess));
    }

    [TestMethod]
    public async Task InferAllSkillsAsync_OneAfterAnother_NothingOfTheLastStudentCarriesOver()
    {
        // The single-student items are reused per thread: a student with an unknown name, then one with every feature,
        // then one missing features must each be scored as if alone (as InferStudentsAsync, which never reuses them, does).
        var unknown = new Dictionary<string, double?>(SampleRows.Student(1)) { ["shoe_size"] = 42 };
        var full = SampleRows.Student(2);
        var sparse = new Dictionary<string, double?>(SampleRows.Student(3));
        foreach (var name in sparse.Keys.Where((_, i) => i % 3 == 0).ToArray())
        {
            sparse.Remove(name);
        }

        var sequence = new[] { unknown, full, sparse, unknown, sparse };
        for (var i = 0; i < sequence.Length; i++)
        {
            var reused = await Service.InferAllSkillsAsync(sequence[i], $"S{i}");
            var alone = (await Service.InferStudentsAsync([new StudentRequest($"S{i}", sequence[i])]))[0].Outcomes;
            Assert.HasCount(alone.Count, reused);
            for (var s = 0; s < alone.Count; s++)
            {
                Assert.AreEqual(alone[s].IsSuccess, reused[s].IsSuccess, $"call {i}, skill {s}");
                Assert.AreEqual(alone[s].Result?.Score, reused[s].Result?.Score);
                Assert.AreEqual(alone[s].Result?.FeatureHash, reused[s].Result?.FeatureHash);
                CollectionAssert.AreEqual(alone[s].Result?.ImputedFeatures.ToArray(), reused[s].Result?.ImputedFeatures.ToArray());
                CollectionAssert.AreEqual(alone[s].Error?.FeatureErrors.Select(e => e.Feature).ToArray(), reused[s].Error?.FeatureErrors.Select(e => e.Feature).ToArray());
            }
        }

        Assert.IsTrue((await Service.InferAllSkillsAsync(sparse)).Any(o => o.IsSuccess && o.Result.ImputedFeatures.Count > 0));
    }

    [TestMethod]
    public async Task InferAsync_FeatureHash_SpelledFromTheComputedHashAndReplaceable()
    {
        var row = SampleRows.CompleteRequests(SampleStore.Catalog["curiosity"].Schema, 1)[0];
        var a = await Service.InferAsync(new InferenceRequest("curiosity", row));
        var b = await Service.InferAsync(new InferenceRequest("curiosity", row));

        Assert.AreEqual(FeatureHash.ToHex(a.FeatureHashValue), a.FeatureHash);
        Assert.AreEqual(a.FeatureHashValue, ulong.Parse(a.FeatureHash, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture));
        Assert.AreEqual(a.FeatureHash, b.FeatureHash);
        var replaced = a with { FeatureHash = "00000000000000ff" };
        Assert.AreEqual("00000000000000ff", replaced.FeatureHash);
        Assert.AreEqual(255UL, replaced.FeatureHashValue);
        Assert.AreEqual("", new InferenceResult { Skill = "s", Score = 0, Confidence = 0, ModelVersion = "v", Variant = Variant.Deployed, TopFeatures = [], ImputedFeatures = [] }.FeatureHash);
    }

    [TestMethod]
    public async Task InferAsync_FeatureHash_ChangesWithAnyFeatureAndNotWithKeyOrder()
    {
        var row = SampleRows.CompleteRequests(SampleStore.Catalog["curiosity"].Schema, 1)[0];
        var reordered = row.Reverse().ToDictionary(kv => kv.Key, kv => kv.Value);
        var changed = new Dictionary<string, double?>(row) { ["question_rate"] = row["question_rate"] + 0.001 };

        var a = await Service.InferAsync(new InferenceRequest("curiosity", row));
        var b = await Service.InferAsync(new InferenceRequest("curiosity", reordered));
        var c = await Service.InferAsync(new InferenceRequest("curiosity", changed));

        Assert.AreEqual(a.FeatureHash, b.FeatureHash);
        Assert.AreNotEqual(a.FeatureHash, c.FeatureHash);
        Assert.AreEqual(16, a.FeatureHash.Length);
    }

    [TestMethod]
    public void LoadedModels_AfterRefresh_ListsSevenDeployedModelsOnTheCompiledEngine()
    {
        var models = Service.LoadedModels;

        Assert.HasCount(7, models);
        Assert.IsTrue(models.All(m => m.Version == "1.0.0" && m.Role == "deployed" && m.Engine == "compiled-trees"));
        Assert.IsTrue(Service.Status.IsReady);
    }
}
