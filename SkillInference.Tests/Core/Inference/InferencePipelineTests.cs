using Microsoft.Extensions.DependencyInjection;
using SkillInference.Engines;
using SkillInference.Inference;
using SkillInference.Loading;
using SkillInference.Schema;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Core.Inference;

/// <summary>
/// The one pipeline behind every entry point: each item prepared and hashed once, failures as values (a model that
/// returns no probability or throws fails only its own items), and the columnar bulk path equal to the request path.
/// </summary>
[TestClass]
public sealed class InferencePipelineTests
{
    private static ServiceHarness _harness = null!;

    [ClassInitialize]
    public static async Task InitializeAsync(TestContext context) => _harness = await ServiceHarness.StartAsync(SampleStore.Path);

    [ClassCleanup]
    public static async Task CleanupAsync() => await _harness.DisposeAsync();

    private static ISkillInferenceService Service => _harness.Service;

    private static InferencePipeline Pipeline => _harness.Services.GetRequiredService<InferencePipeline>();

    private static ServingSnapshot Snapshot => _harness.Services.GetRequiredService<ModelCatalog>().Current;

    private static Dictionary<string, double?> Row(string skill, int index) => SampleRows.Requests(SampleStore.Catalog[skill].Schema, index + 1)[index];

    [TestMethod]
    public async Task RunAsync_CacheMissesWithStudents_PrepareEachItemExactlyOnce()
    {
        var requests = Enumerable.Range(0, 40).Select(i => new InferenceRequest(i % 2 == 0 ? "curiosity" : "persistence", Row(i % 2 == 0 ? "curiosity" : "persistence", i), $"once-{Guid.NewGuid():N}")).ToArray();
        var items = new CountingItems(new RequestItems(requests));
        var buffer = new ScoreBuffer();

        await Pipeline.RunAsync(Snapshot, items, CachePolicy.ReadWrite, buffer, CancellationToken.None);

        CollectionAssert.AreEqual(Enumerable.Repeat(1, requests.Length).ToArray(), items.Prepared);
        for (var i = 0; i < requests.Length; i++)
        {
            Assert.IsNull(buffer.ErrorOf(i));
            Assert.AreEqual((await Service.InferAsync(requests[i] with { StudentId = null })).Score, buffer.ScoreOf(i));
        }
    }

    [TestMethod]
    public async Task RunAsync_ModelReturnsNoProbabilityForOneRow_OnlyThatItemFails()
    {
        var requests = Enumerable.Range(0, 6).Select(i => new InferenceRequest("collaboration", Row("collaboration", i))).ToArray();
        var snapshot = WithModel(Snapshot, "collaboration", inner => new FakeFaultyModel(inner) { NaNForRow = 3 });
        var buffer = new ScoreBuffer();

        await Pipeline.RunAsync(snapshot, new RequestItems(requests), CachePolicy.Bypass, buffer, CancellationToken.None);

        Assert.AreEqual(InferenceErrorKind.ModelFailure, buffer.ErrorOf(3)!.Kind);
        Assert.Contains("returned no probability", buffer.ErrorOf(3)!.Message);
        foreach (var i in new[] { 0, 1, 2, 4, 5 })
        {
            Assert.IsNull(buffer.ErrorOf(i), $"item {i}");
            Assert.AreEqual((await Service.InferAsync(requests[i])).Score, buffer.ScoreOf(i), $"item {i}");
        }
    }

    [TestMethod]
    public async Task RunAsync_EngineThrows_ItsItemsFailAsValuesAndOtherSkillsScore()
    {
        var requests = new[]
        {
            new InferenceRequest("collaboration", Row("collaboration", 0)),
            new InferenceRequest("curiosity", Row("curiosity", 0)),
            new InferenceRequest("collaboration", Row("collaboration", 1)),
        };
        var snapshot = WithModel(Snapshot, "collaboration", inner => new FakeFaultyModel(inner) { Throw = true });
        var buffer = new ScoreBuffer();

        await Pipeline.RunAsync(snapshot, new RequestItems(requests), CachePolicy.Bypass, buffer, CancellationToken.None);

        Assert.AreEqual(InferenceErrorKind.ModelFailure, buffer.ErrorOf(0)!.Kind);
        Assert.AreEqual(InferenceErrorKind.ModelFailure, buffer.ErrorOf(2)!.Kind);
        Assert.DoesNotContain("engine exploded", buffer.ErrorOf(0)!.Message, "the engine's own message may carry data; the error names the exception type only");
        Assert.IsNull(buffer.ErrorOf(1));
        Assert.AreEqual((await Service.InferAsync(requests[1])).Score, buffer.ScoreOf(1));
    }

    [TestMethod]
    public async Task RunAsync_EngineFailsOnOneRowOfABatch_OnlyThatRowFails()
    {
        var requests = Enumerable.Range(0, 5).Select(i => new InferenceRequest("collaboration", Row("collaboration", i))).ToArray();
        var snapshot = WithModel(Snapshot, "collaboration", inner => new FakeFaultyModel(inner) { ThrowOnBatch = true, ThrowOnSingleRow = 2 });
        var buffer = new ScoreBuffer();

        await Pipeline.RunAsync(snapshot, new RequestItems(requests), CachePolicy.Bypass, buffer, CancellationToken.None);

        Assert.AreEqual(InferenceErrorKind.ModelFailure, buffer.ErrorOf(2)!.Kind);
        foreach (var i in new[] { 0, 1, 3, 4 })
        {
            Assert.IsNull(buffer.ErrorOf(i), $"item {i}");
            Assert.AreEqual((await Service.InferAsync(requests[i])).Score, buffer.ScoreOf(i), $"item {i}");
        }
    }

    [TestMethod]
    public async Task TryInferAsync_Failures_AreReturnedAsErrorsNotThrown()
    {
        var unknown = await Service.TryInferAsync(new InferenceRequest("telepathy", new Dictionary<string, double?>()));
        var invalid = await Service.TryInferAsync(new InferenceRequest("persistence", new Dictionary<string, double?> { ["streak_dayz"] = 1 }));

        Assert.AreEqual(InferenceErrorKind.UnknownSkill, unknown.Error!.Kind);
        Assert.AreEqual(InferenceErrorKind.InvalidFeatures, invalid.Error!.Kind);
        Assert.AreEqual("streak_dayz", invalid.Error.FeatureErrors.Single(e => e.Code == FeatureErrorCode.Unknown).Feature);
    }

    [TestMethod]
    public async Task InferRowsAsync_SameRowsAsRequests_EqualResultsInEveryField()
    {
        var schema = SampleStore.Catalog["communication"].Schema;
        var requests = SampleRows.Requests(schema, 300);
        var names = schema.Features.Select(f => f.Name).ToArray();
        var values = new double[requests.Count * names.Length];
        var missing = new bool[values.Length];
        for (var r = 0; r < requests.Count; r++)
        {
            for (var c = 0; c < names.Length; c++)
            {
                if (requests[r].TryGetValue(names[c], out var v) && v is { } x)
                {
                    values[(r * names.Length) + c] = x;
                }
                else
                {
                    missing[(r * names.Length) + c] = true;
                }
            }
        }

        var rows = await Service.InferRowsAsync("communication", new FeatureRows(names, requests.Count, values, missing));
        var expected = await Service.InferBatchAsync([.. requests.Select(f => new InferenceRequest("communication", f))]);

        Assert.AreEqual(0, rows.FailedCount);
        for (var r = 0; r < requests.Count; r++)
        {
            var e = expected[r].Result!;
            Assert.AreEqual(e.Score, rows.ScoreOf(r));
            Assert.AreEqual(e.Confidence, rows.ConfidenceOf(r));
            Assert.AreEqual(e.FeatureHash, rows.FeatureHashOf(r));
            CollectionAssert.AreEqual(e.ImputedFeatures.ToArray(), rows.ImputedFeaturesOf(r).ToArray());
            var top = rows.TopFeaturesOf(r);
            Assert.AreEqual(e.TopFeatures.Count, top.Count);
            for (var t = 0; t < top.Count; t++)
            {
                Assert.AreEqual((e.TopFeatures[t].Name, e.TopFeatures[t].Importance, e.TopFeatures[t].Value, e.TopFeatures[t].Imputed), top[t]);
            }

            Assert.AreEqual(e with { TopFeatures = [], ImputedFeatures = [] }, rows.ToResult(r) with { TopFeatures = [], ImputedFeatures = [] });
        }
    }

    [TestMethod]
    public async Task InferRowsAsync_ColumnTheSkillDoesNotUse_FailsOnlyRowsWithAValueThere()
    {
        var names = new[] { "questions_asked_per_week", "streak_days" };
        var rows = new FeatureRows(names, 2, [3, 10, 4, double.NaN], [false, false, false, true]);

        var scores = await Service.InferRowsAsync("curiosity", rows);

        var error = scores.ErrorOf(0)!;
        Assert.AreEqual(InferenceErrorKind.InvalidFeatures, error.Kind);
        Assert.AreEqual(("streak_days", FeatureErrorCode.Unknown), (error.FeatureErrors.Single().Feature, error.FeatureErrors.Single().Code));
        Assert.IsTrue(scores.IsSuccess(1));
        Assert.AreEqual((await Service.InferAsync(new InferenceRequest("curiosity", new Dictionary<string, double?> { ["questions_asked_per_week"] = 4 }))).Score, scores.ScoreOf(1));
    }

    [TestMethod]
    public async Task InferRowsAsync_NaNWhereTheMaskSaysPresent_IsANotFiniteError()
    {
        var rows = new FeatureRows(["questions_asked_per_week"], 1, [double.NaN]);

        var scores = await Service.InferRowsAsync("curiosity", rows);

        Assert.AreEqual(FeatureErrorCode.NotFinite, scores.ErrorOf(0)!.FeatureErrors.Single().Code);
    }

    [TestMethod]
    public async Task InferRowsOnAllSkillsAsync_Students_EqualInferStudentsAsync()
    {
        var students = Enumerable.Range(0, 50).Select(SampleRows.Student).ToArray();
        var names = students.SelectMany(s => s.Keys).Distinct().ToArray();
        var values = new double[students.Length * names.Length];
        var missing = new bool[values.Length];
        for (var r = 0; r < students.Length; r++)
        {
            for (var c = 0; c < names.Length; c++)
            {
                missing[(r * names.Length) + c] = !students[r].TryGetValue(names[c], out var v);
                values[(r * names.Length) + c] = v ?? 0;
            }
        }

        var bySkill = await Service.InferRowsOnAllSkillsAsync(new FeatureRows(names, students.Length, values, missing, [.. Enumerable.Range(0, students.Length).Select(i => $"S{i}")]));
        var expected = await Service.InferStudentsAsync([.. students.Select((f, i) => new StudentRequest($"S{i}", f))]);

        CollectionAssert.AreEqual(Service.Status.RegisteredSkills.ToArray(), bySkill.Select(s => s.Skill).ToArray());
        for (var s = 0; s < bySkill.Count; s++)
        {
            for (var r = 0; r < students.Length; r++)
            {
                Assert.AreEqual(expected[r].Outcomes[s].Result!.Score, bySkill[s].ScoreOf(r), $"{bySkill[s].Skill} row {r}");
            }
        }
    }

    [TestMethod]
    public async Task InferRowsOnAllSkillsAsync_NameNoSkillUses_FailsThatRowOnEverySkill()
    {
        var rows = new FeatureRows(["questions_asked_per_week", "shoe_size"], 2, [3, 42, 3, 0], [false, false, false, true]);

        var bySkill = await Service.InferRowsOnAllSkillsAsync(rows);
        var withoutTheColumn = await Service.InferAllSkillsAsync(new Dictionary<string, double?> { ["questions_asked_per_week"] = 3 });

        Assert.IsTrue(bySkill.All(s => s.ErrorOf(0)!.FeatureErrors.Any(e => e.Feature == "shoe_size" && e.Code == FeatureErrorCode.Unknown)));
        for (var s = 0; s < bySkill.Count; s++)
        {
            // Row 1 leaves the unknown column missing: each skill answers as if the column were not there.
            Assert.AreEqual(withoutTheColumn[s].IsSuccess, bySkill[s].IsSuccess(1), bySkill[s].Skill);
            Assert.IsFalse(bySkill[s].ErrorOf(1)?.FeatureErrors.Any(e => e.Feature == "shoe_size") ?? false, bySkill[s].Skill);
        }
    }

    /// <summary>A copy of the snapshot whose deployed model of one skill is wrapped (e.g. in a fault).</summary>
    private static ServingSnapshot WithModel(ServingSnapshot snapshot, string skill, Func<IScoringModel, IScoringModel> wrap)
    {
        var skills = snapshot.Skills.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var serving = skills[skill];
        var bundle = SampleStore.LoadBundleAsync(skill, serving.Deployed.Version).GetAwaiter().GetResult();
        skills[skill] = new SkillServing(skill, new LoadedModel(bundle, wrap(serving.Deployed.Model), DateTimeOffset.UtcNow), []);
        return new ServingSnapshot(true, snapshot.RegistryGeneration, snapshot.RegisteredSkills, skills, [], null, null);
    }

    /// <summary>Counts how often each item is prepared.</summary>
    private sealed class CountingItems(InferenceItems inner) : InferenceItems
    {
        public int[] Prepared { get; } = new int[inner.Count];

        public override int Count => inner.Count;

        public override string? SkillOf(int item) => inner.SkillOf(item);

        public override string? StudentIdOf(int item) => inner.StudentIdOf(item);

        public override bool ExplainOf(int item) => inner.ExplainOf(item);

        public override void Bind(LoadedModel model) => inner.Bind(model);

        public override bool TryPrepare(int item, LoadedModel model, Span<float> row, Span<double> used, Span<bool> imputed, ref List<FeatureError>? errors)
        {
            Prepared[item]++;
            return inner.TryPrepare(item, model, row, used, imputed, ref errors);
        }
    }

    /// <summary>A fault no real engine can be made to produce on demand: no probability for one row, or an engine that throws.</summary>
    private sealed class FakeFaultyModel(IScoringModel inner) : IScoringModel
    {
        public int NaNForRow { get; init; } = -1;

        public bool Throw { get; init; }

        public bool ThrowOnBatch { get; init; }

        /// <summary>Throw on this (0-based) call of <see cref="Predict"/>.</summary>
        public int ThrowOnSingleRow { get; init; } = -1;

        private int _singleCalls;

        public string Engine => "fake-faulty";

        public int FeatureCount => inner.FeatureCount;

        public float Predict(ReadOnlySpan<float> features) =>
            Throw || _singleCalls++ == ThrowOnSingleRow ? throw new InvalidOperationException("engine exploded") : inner.Predict(features);

        public void PredictBatch(ReadOnlySpan<float> rows, Span<float> probabilities)
        {
            if (Throw || ThrowOnBatch)
            {
                throw new InvalidOperationException("engine exploded at value 0.1234");
            }

            inner.PredictBatch(rows, probabilities);
            if (NaNForRow >= 0 && NaNForRow < probabilities.Length)
            {
                probabilities[NaNForRow] = float.NaN;
            }
        }

        public void Dispose()
        {
        }
    }
}
