using System.Globalization;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using SkillInference.Bundles;
using SkillInference.Catalog;
using SkillInference.Schema;
using SkillInference.Tests.Infrastructure;
using SkillInference.Training;

namespace SkillInference.Tests.Training;

[TestClass]
public sealed class SkillModelTrainerTests
{
    // critical_thinking has a native-missing feature (counterargument_rate) with a strong loading.
    private const string SkillId = "critical_thinking";
    private const string NativeFeature = "counterargument_rate";
    private const int Seed = 11;
    private static readonly DateTimeOffset Now = new(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private static SkillDefinition _skill = null!;
    private static TrainingResult _result = null!;
    private static int[] _train = null!;
    private static int[] _test = null!;
    private static PredictionEngine<Row, Output> _engine = null!;
    private static ITransformer _model = null!;

    private static BundleManifest Manifest => _result.Bundle.Manifest;

    [ClassInitialize]
    public static void ClassInitialize(TestContext context)
    {
        _skill = SampleStore.Catalog[SkillId];
        var options = new SkillTrainingOptions { NumberOfTrees = 40, Seed = Seed, Version = "1.3.0" };
        _result = new SkillModelTrainer(new FakeTimeProvider(Now)).Train(_skill, SampleStore.Data, options);

        // The split is documented as deterministic: labelled rows shuffled by Random(seed), the first 20% held out.
        var label = SampleStore.Data.Column("label_" + SkillId);
        var rows = Enumerable.Range(0, SampleStore.Data.RowCount).Where(r => !double.IsNaN(label[r])).ToArray();
        new Random(Seed).Shuffle(rows);
        var testCount = (int)Math.Round(rows.Length * options.TestFraction);
        _test = rows[..testCount];
        _train = rows[testCount..];

        var mlContext = new MLContext(seed: 0);
        using var stream = new MemoryStream(_result.Bundle.ModelBytes.ToArray());
        _model = mlContext.Model.Load(stream, out _);
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, _skill.Schema.Count);
        _engine = mlContext.Model.CreatePredictionEngine<Row, Output>(_model, ignoreMissingColumns: true, inputSchemaDefinition: definition);
    }

    [ClassCleanup]
    public static void ClassCleanup() => _engine?.Dispose();

    [TestMethod]
    public void Train_SampleSkill_ReachesUsefulQuality()
    {
        var metrics = Manifest.Metrics;
        var positiveRate = metrics.PositiveRate!.Value;
        var majority = Math.Max(positiveRate, 1 - positiveRate);
        var priorEntropy = -((positiveRate * Math.Log(positiveRate)) + ((1 - positiveRate) * Math.Log(1 - positiveRate)));

        Assert.IsGreaterThan(0.75, metrics.Auc!.Value);
        Assert.IsInRange(majority, 1.0, metrics.Accuracy!.Value);
        Assert.IsInRange(0.0, priorEntropy, metrics.LogLoss!.Value);
        Assert.IsGreaterThan(0.4, metrics.PearsonR!.Value);
    }

    [TestMethod]
    public void Train_SampleSkill_SplitsLabelledRowsEightyTwenty()
    {
        var metrics = Manifest.Metrics;

        Assert.AreEqual(SampleStore.Data.RowCount, metrics.TrainCount + metrics.TestCount);
        Assert.AreEqual((int)Math.Round(SampleStore.Data.RowCount * 0.2), metrics.TestCount);
        Assert.AreEqual(0, _result.RowsWithoutLabel);

        // The reproduced split is the trainer's: the training positive rate matches exactly.
        var label = SampleStore.Data.Column("label_" + SkillId);
        Assert.AreEqual(_train.Length, metrics.TrainCount);
        Assert.AreEqual(_train.Average(r => label[r]), metrics.PositiveRate!.Value, 1e-12);
    }

    [TestMethod]
    public void Train_SampleSkill_MetricsEqualAnIndependentEvaluationOfTheTestSplit()
    {
        var label = SampleStore.Data.Column("label_" + SkillId);
        var rating = SampleStore.Data.Column("rating_" + SkillId);
        var p = _test.Select(r => (double)Predict(PrepareRow(r))).ToArray();
        var y = _test.Select(r => label[r] == 1).ToArray();

        var auc = Auc(p, y);
        var accuracy = p.Zip(y).Average(t => (t.First > 0.5) == t.Second ? 1.0 : 0.0);
        var logLoss = p.Zip(y).Average(t => -Math.Log(Math.Clamp(t.Second ? t.First : 1 - t.First, 1e-15, 1)));
        var rated = _test.Select((r, i) => (P: p[i], Rating: rating[r])).Where(t => !double.IsNaN(t.Rating)).ToArray();
        var pearson = Pearson(rated.Select(t => t.P).ToArray(), rated.Select(t => t.Rating).ToArray());

        var metrics = Manifest.Metrics;
        Assert.AreEqual(auc, metrics.Auc!.Value, 1e-9, "AUC");
        Assert.AreEqual(accuracy, metrics.Accuracy!.Value, 1e-9, "accuracy");
        Assert.AreEqual(logLoss, metrics.LogLoss!.Value, 1e-6, "log loss (natural log, as documented)");
        Assert.AreEqual(pearson, metrics.PearsonR!.Value, 1e-9, "Pearson r");
    }

    [TestMethod]
    public void Train_SampleSkill_ImportanceIsNonNegativeSumsToOneInSchemaOrder()
    {
        var importance = Manifest.Importance;

        CollectionAssert.AreEqual(_skill.Schema.Features.Select(f => f.Name).ToArray(), importance.Select(i => i.Feature).ToArray());
        Assert.IsTrue(importance.All(i => i.Gain >= 0), string.Join(", ", importance));
        Assert.AreEqual(1.0, importance.Sum(i => i.Gain), 1e-9);
    }

    [TestMethod]
    public void Train_SampleSkill_ImportanceEqualsMlNetGainOfTheSavedModel()
    {
        var last = _model is TransformerChain<ITransformer> chain ? chain.LastTransformer : _model;
        var predictor = (ISingleFeaturePredictionTransformer<object>)last;
        var calibrated = (Microsoft.ML.Calibrators.CalibratedModelParametersBase<Microsoft.ML.Trainers.FastTree.FastTreeBinaryModelParameters, Microsoft.ML.Calibrators.PlattCalibrator>)predictor.Model;
        var weights = default(VBuffer<float>);
        calibrated.SubModel.GetFeatureWeights(ref weights);
        var gains = weights.DenseValues().Select(w => (double)w).ToArray();
        var total = gains.Sum();

        for (var i = 0; i < gains.Length; i++)
        {
            Assert.AreEqual(gains[i] / total, Manifest.Importance[i].Gain, 1e-9, Manifest.Importance[i].Feature);
        }
    }

    [TestMethod]
    public void Train_SampleSkill_StatisticsEqualAnIndependentComputationOnTheTrainingSplit()
    {
        for (var f = 0; f < _skill.Schema.Count; f++)
        {
            var name = _skill.Schema.Features[f].Name;
            var column = SampleStore.Data.Column(name);
            var values = _train.Select(r => column[r]).Where(v => !double.IsNaN(v)).ToArray();
            Array.Sort(values);
            var mean = values.Sum() / values.Length;
            var std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);
            var mid = values.Length / 2;
            var median = values.Length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;

            var stats = Manifest.Statistics[f];

            Assert.AreEqual(name, stats.Name);
            Assert.AreEqual(mean, stats.Mean, 1e-9 * Math.Max(1, Math.Abs(mean)), $"{name} mean");
            Assert.AreEqual(median, stats.Median, 1e-9 * Math.Max(1, Math.Abs(median)), $"{name} median");
            Assert.AreEqual(std, stats.Std, 1e-9 * Math.Max(1, std), $"{name} std");
            Assert.AreEqual(values[0], stats.Min, $"{name} min");
            Assert.AreEqual(values[^1], stats.Max, $"{name} max");
            Assert.AreEqual(1 - ((double)values.Length / _train.Length), stats.MissingRate, 1e-12, $"{name} missing rate");
        }
    }

    [TestMethod]
    public void Train_SampleSkill_ScalerEqualsMlNetMeanVarianceNormalizer()
    {
        var mlContext = new MLContext(seed: 0);
        var scaler = Manifest.Scaler!;

        for (var f = 0; f < _skill.Schema.Count; f++)
        {
            var name = _skill.Schema.Features[f].Name;
            var column = SampleStore.Data.Column(name);
            var values = _train.Select(r => column[r]).Where(v => !double.IsNaN(v)).Select(v => new ScalarRow { X = (float)v }).ToArray();
            var normalizer = mlContext.Transforms.NormalizeMeanVariance("Normalized", nameof(ScalarRow.X), fixZero: false)
                .Fit(mlContext.Data.LoadFromEnumerable(values));
            var affine = (NormalizingTransformer.AffineNormalizerModelParameters<float>)normalizer.GetNormalizerModelParameters(0);

            Assert.AreEqual(affine.Offset, scaler.Mean[f], 1e-5 * Math.Max(1e-3, Math.Abs(affine.Offset)), $"{name} mean");
            Assert.AreEqual(1.0 / affine.Scale, scaler.Scale[f], 1e-5 / affine.Scale, $"{name} scale");
        }
    }

    [TestMethod]
    public void Train_NativeFeature_NaNScoresExactlyAsTheTrainingSentinel()
    {
        var slot = _skill.Schema.IndexOf(NativeFeature);
        Assert.AreEqual(MissingValueStrategy.Native, _skill.Schema.Features[slot].Missing.Rule);
        var informative = 0;

        for (var r = 0; r < SampleStore.Data.RowCount; r++)
        {
            var x = PrepareRow(r);
            x[slot] = float.NaN;
            var withNaN = Predict(x);
            x[slot] = SkillModelTrainer.NativeMissingSentinel;
            var withSentinel = Predict(x);
            x[slot] = -3f;
            var withLowValue = Predict(x);

            Assert.AreEqual(withSentinel, withNaN, $"row {r}");
            informative += withNaN != withLowValue ? 1 : 0;
        }

        // The model does use the slot, so the equality above is not vacuous.
        Assert.IsGreaterThan(SampleStore.Data.RowCount / 10, informative);
        Assert.IsGreaterThan(0.0, Manifest.Importance[slot].Gain);
    }

    [TestMethod]
    public void Train_SampleSkill_WritesAVerifiableBundleDescribingTheRun()
    {
        var bundle = _result.Bundle;

        var reparsed = ModelBundle.Parse(bundle.SerializeManifest(), bundle.ModelBytes);

        Assert.AreEqual(SkillId, reparsed.Skill);
        Assert.AreEqual("1.3.0", reparsed.Manifest.Version);
        Assert.AreEqual(ModelFormats.MlNet, reparsed.Manifest.Format);
        Assert.AreEqual(_skill.Schema.Fingerprint, reparsed.Schema.Fingerprint);
        Assert.AreEqual(Now, reparsed.Manifest.TrainedAt);
        Assert.AreEqual(SampleStore.Data.Sha256, reparsed.Manifest.TrainingDataSha256);
        Assert.AreEqual("40", reparsed.Manifest.Trainer.Parameters["numberOfTrees"]);
    }

    [TestMethod]
    public void Train_SampleSkill_FeatureReferenceHistogramsCoverEveryTrainingRow()
    {
        foreach (var spec in _skill.Schema.Features)
        {
            var histogram = Manifest.Reference.Features[spec.Name];
            var column = SampleStore.Data.Column(spec.Name);

            Assert.AreEqual(_train.Length, histogram.Counts.Sum() + histogram.Missing, spec.Name);
            Assert.AreEqual(_train.Count(r => double.IsNaN(column[r])), histogram.Missing, spec.Name);
        }
    }

    [TestMethod]
    public void Train_LabelColumnMissing_ThrowsArgumentExceptionNamingIt()
    {
        var skill = _skill with { Id = "no_such_skill" };

        var ex = Assert.ThrowsExactly<ArgumentException>(() => new SkillModelTrainer().Train(skill, SampleStore.Data, new SkillTrainingOptions { NumberOfTrees = 2 }));

        Assert.Contains("label_no_such_skill", ex.Message);
        Assert.AreEqual("data", ex.ParamName);
    }

    [TestMethod]
    public void Train_FeatureColumnMissing_ThrowsArgumentExceptionNamingIt()
    {
        var features = _skill.Schema.Features.Append(new FeatureSpec { Name = "ghost_feature", Min = 0, Max = 1, Missing = MissingValueRule.Median });
        var skill = _skill with { Schema = FeatureSchema.Create(features) };

        var ex = Assert.ThrowsExactly<ArgumentException>(() => new SkillModelTrainer().Train(skill, SampleStore.Data, new SkillTrainingOptions { NumberOfTrees = 2 }));

        Assert.Contains("ghost_feature", ex.Message);
        Assert.DoesNotContain("label_", ex.Message);
    }

    [TestMethod]
    public void Train_LabelNotZeroOrOne_ThrowsArgumentException()
    {
        var data = TinyDataset(100, r => r == 50 ? "2" : (r % 2).ToString(CultureInfo.InvariantCulture));

        var ex = Assert.ThrowsExactly<ArgumentException>(() => new SkillModelTrainer().Train(TinySkill(), data, new SkillTrainingOptions { NumberOfTrees = 2 }));

        Assert.Contains("label_tiny_skill must be 0 or 1", ex.Message);
    }

    [TestMethod]
    public void Train_TooFewLabelledRows_ThrowsArgumentException()
    {
        // 100 rows, but only 55 labelled.
        var data = TinyDataset(100, r => r < 55 ? (r % 2).ToString(CultureInfo.InvariantCulture) : "");

        var ex = Assert.ThrowsExactly<ArgumentException>(() => new SkillModelTrainer().Train(TinySkill(), data, new SkillTrainingOptions { NumberOfTrees = 2 }));

        Assert.Contains("Too few labelled rows", ex.Message);
    }

    [TestMethod]
    public void Train_UnlabelledRows_AreSkippedAndCounted()
    {
        var data = TinyDataset(120, r => r % 10 == 9 ? "" : (r % 2).ToString(CultureInfo.InvariantCulture));

        var result = new SkillModelTrainer().Train(TinySkill(), data, new SkillTrainingOptions { NumberOfTrees = 2, MinimumExampleCountPerLeaf = 5 });

        Assert.AreEqual(12, result.RowsWithoutLabel);
        Assert.AreEqual(108, result.Bundle.Manifest.Metrics.TrainCount + result.Bundle.Manifest.Metrics.TestCount);
    }

    private static float[] PrepareRow(int r)
    {
        // The serving preparation, written out from the documented rules: impute by rule (native stays NaN),
        // then (x - mean) / scale in double, cast to float.
        var scaler = Manifest.Scaler!;
        var x = new float[_skill.Schema.Count];
        for (var f = 0; f < x.Length; f++)
        {
            var spec = _skill.Schema.Features[f];
            var v = SampleStore.Data.Column(spec.Name)[r];
            if (double.IsNaN(v))
            {
                v = spec.Missing.Rule switch
                {
                    MissingValueStrategy.Median => Manifest.Statistics[f].Median,
                    MissingValueStrategy.Mean => Manifest.Statistics[f].Mean,
                    MissingValueStrategy.Constant => spec.Missing.Value!.Value,
                    _ => double.NaN,
                };
            }

            x[f] = double.IsNaN(v) ? float.NaN : (float)((v - scaler.Mean[f]) / scaler.Scale[f]);
        }

        return x;
    }

    private static float Predict(float[] x) => _engine.Predict(new Row { Features = x }).Probability;

    private static double Auc(double[] p, bool[] y)
    {
        // Mann-Whitney: the share of (positive, negative) pairs ranked correctly, ties counting one half.
        var positives = p.Where((_, i) => y[i]).ToArray();
        var negatives = p.Where((_, i) => !y[i]).ToArray();
        double wins = 0;
        foreach (var a in positives)
        {
            foreach (var b in negatives)
            {
                wins += a > b ? 1 : a == b ? 0.5 : 0;
            }
        }

        return wins / ((double)positives.Length * negatives.Length);
    }

    private static double Pearson(double[] x, double[] y)
    {
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < x.Length; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }

        return sxy / Math.Sqrt(sxx * syy);
    }

    private static SkillDefinition TinySkill() => new()
    {
        Id = "tiny_skill",
        Schema = FeatureSchema.Create(
        [
            new FeatureSpec { Name = "x1", Min = 0, Max = 1000, Missing = MissingValueRule.Median },
            new FeatureSpec { Name = "x2", Min = 0, Max = 1000, Missing = MissingValueRule.Native },
        ]),
    };

    private static TrainingDataset TinyDataset(int rows, Func<int, string> label)
    {
        var csv = new StringBuilder("student_id,x1,x2,label_tiny_skill\n");
        for (var r = 0; r < rows; r++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"S{r},{r},{(r * 7) % 13},{label(r)}\n");
        }

        return TrainingDataset.ParseCsv(Encoding.UTF8.GetBytes(csv.ToString()));
    }

    private sealed class Row
    {
        public float[] Features { get; set; } = [];
    }

    private sealed class Output
    {
        public float Probability { get; set; }
    }

    private sealed class ScalarRow
    {
        public float X { get; set; }
    }
}
