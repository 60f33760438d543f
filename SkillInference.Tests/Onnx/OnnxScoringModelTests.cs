using SkillInference.Bundles;
using SkillInference.Engines;
using SkillInference.Onnx.Engine;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Onnx;

/// <summary>
/// Both ONNX engines — ONNX Runtime (Auto) and ML.NET's OnnxTransformer (Reference) — on single rows, batches, threads
/// and disposal; allocation for ONNX Runtime only (ML.NET allocates per row).
/// </summary>
[TestClass]
public sealed class OnnxScoringModelTests
{
    private const string Skill = "collaboration";
    private const int Rows = 2_000;
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private static ModelBundle _bundle = null!;
    private static float[] _rows = null!;

    public TestContext TestContext { get; set; } = null!;

    public static IEnumerable<object[]> Engines => [[ScoringEngine.Auto], [ScoringEngine.Reference]];

    [ClassInitialize]
    public static async Task InitializeAsync(TestContext context)
    {
        _bundle = await OnnxTestModels.SampleBundleAsync(Skill);
        _rows = PreparedRows(_bundle, Rows);
    }

    [TestMethod]
    [DynamicData(nameof(Engines))]
    public void PredictBatch_ThousandsOfRows_EqualsPredictRowByRow(ScoringEngine engine)
    {
        using var model = Load(engine);
        var n = model.FeatureCount;
        var batch = new float[Rows];

        model.PredictBatch(_rows, batch);

        for (var i = 0; i < Rows; i++)
        {
            Assert.AreEqual(model.Predict(_rows.AsSpan(i * n, n)), batch[i], $"row {i}");
        }
    }

    [TestMethod]
    [DynamicData(nameof(Engines))]
    public void PredictBatch_NoRows_DoesNothing(ScoringEngine engine)
    {
        using var model = Load(engine);

        model.PredictBatch([], []);
    }

    [TestMethod]
    [DynamicData(nameof(Engines))]
    public void PredictBatch_RowsAndProbabilitiesDisagree_Throws(ScoringEngine engine)
    {
        using var model = Load(engine);

        Assert.Throws<ArgumentException>(() => model.PredictBatch(new float[model.FeatureCount * 2], new float[3]));
    }

    [TestMethod]
    [DynamicData(nameof(Engines))]
    public void Predict_WrongFeatureCount_Throws(ScoringEngine engine)
    {
        using var model = Load(engine);

        Assert.Throws<ArgumentException>(() => model.Predict(new float[model.FeatureCount - 1]));
    }

    [TestMethod]
    [DynamicData(nameof(Engines))]
    public async Task Predict_EightThreadsAtOnce_EqualsSequential(ScoringEngine engine)
    {
        using var model = Load(engine);
        var n = model.FeatureCount;
        var expected = new float[Rows];
        for (var i = 0; i < Rows; i++)
        {
            expected[i] = model.Predict(_rows.AsSpan(i * n, n));
        }

        using var start = new Barrier(8);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            start.SignalAndWait(TestContext.CancellationToken);
            var actual = new float[Rows];

            // Each thread walks the rows from a different place, with single rows and small batches mixed.
            for (var k = 0; k < Rows; k++)
            {
                var i = (k + (t * Rows / 8)) % Rows;
                if (k % 5 == 0 && i + 4 <= Rows)
                {
                    model.PredictBatch(_rows.AsSpan(i * n, 4 * n), actual.AsSpan(i, 4));
                }
                else
                {
                    actual[i] = model.Predict(_rows.AsSpan(i * n, n));
                }
            }

            return actual;
        })));

        foreach (var actual in results)
        {
            CollectionAssert.AreEqual(expected, actual);
        }
    }

    [TestMethod]
    public void Predict_Warm_AllocatesNothing()
    {
        using var model = Load(ScoringEngine.Auto);
        var n = model.FeatureCount;
        const int Calls = 20_000;
        for (var i = 0; i < 1_000; i++)
        {
            model.Predict(_rows.AsSpan(i % Rows * n, n));
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var sum = 0f;
        for (var i = 0; i < Calls; i++)
        {
            sum += model.Predict(_rows.AsSpan(i % Rows * n, n));
        }

        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // For orientation only (a test run shares the machine): BenchmarkDotNet is the place for real numbers.
        TestContext.WriteLine($"rough single-row latency ({Configuration} build, distinct rows, one thread): {elapsed.TotalMicroseconds / Calls:F2} µs/row; checksum {sum}");
        Assert.AreEqual(0, allocated, $"{allocated} bytes allocated over {Calls} calls");
    }

    [TestMethod]
    [DynamicData(nameof(Engines))]
    public void Predict_AfterDispose_ThrowsObjectDisposed(ScoringEngine engine)
    {
        var model = Load(engine);
        model.Dispose();
        model.Dispose();

        Assert.Throws<ObjectDisposedException>(() => model.Predict(new float[model.FeatureCount]));
        Assert.Throws<ObjectDisposedException>(() => model.PredictBatch(new float[model.FeatureCount], new float[1]));
    }

    [TestMethod]
    [DynamicData(nameof(Engines))]
    public async Task Dispose_WhileOtherThreadsScore_LetsThemFinishOrRefusesCleanly(ScoringEngine engine)
    {
        var model = Load(engine);
        var n = model.FeatureCount;
        using var started = new CountdownEvent(4);
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            var scored = 0;
            try
            {
                while (true)
                {
                    var p = model.Predict(_rows.AsSpan(scored % Rows * n, n));
                    Assert.IsInRange(0f, 1f, p);
                    if (scored++ == 0)
                    {
                        started.Signal();
                    }
                }
            }
            catch (ObjectDisposedException)
            {
                return scored;
            }
        })).ToArray();

        // Dispose only once every worker is scoring (on a loaded machine a worker may start late).
        Assert.IsTrue(started.Wait(TimeSpan.FromSeconds(30), TestContext.CancellationToken));
        model.Dispose();
        var counts = await Task.WhenAll(workers);

        Assert.IsTrue(counts.All(c => c > 0));
    }

    [TestMethod]
    public void Dispose_Reference_DeletesTheGraphCopyMlNetOpened()
    {
        var model = (MlNetOnnxScoringModel)Load(ScoringEngine.Reference);

        model.Dispose();

        Assert.IsFalse(File.Exists(model.ModelFile), model.ModelFile);
    }

    /// <summary>Rows of the training data, scaled as the manifest says; missing values stay NaN.</summary>
    internal static float[] PreparedRows(ModelBundle bundle, int count)
    {
        var n = bundle.Schema.Count;
        var rows = new float[count * n];
        for (var f = 0; f < n; f++)
        {
            var column = SampleStore.Data.Column(bundle.Schema.Features[f].Name);
            var scaler = bundle.Manifest.Scaler;
            for (var r = 0; r < count; r++)
            {
                rows[(r * n) + f] = scaler is null ? (float)column[r] : (float)((column[r] - scaler.Mean[f]) / scaler.Scale[f]);
            }
        }

        return rows;
    }

    private static IScoringModel Load(ScoringEngine engine) => new OnnxModelFormat().Load(_bundle, engine);
}
