using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using SkillInference.Bundles;
using SkillInference.Catalog;
using SkillInference.Schema;
using SkillInference.Trees;

namespace SkillInference.Training;

/// <summary>
/// Trains one skill's model in .NET: a standard scaler (mean and population standard deviation, as scikit-learn's
/// StandardScaler) and an ML.NET FastTree binary classifier with Platt calibration, evaluated on a held-out split,
/// written as an <c>mlnet</c> bundle with everything DESIGN.md asks a manifest to hold.
/// </summary>
/// <remarks>
/// FastTree silently drops every training row that has a NaN. So rows are imputed before training by each feature's
/// missing rule; features whose rule is <c>native</c> get a large sentinel instead, above every real value, so the trees
/// learn a branch for "missing" on the greater side — the side FastTree sends NaN to at inference (<c>NaN &lt;= t</c>
/// is false). Serving NaN is then exactly serving the sentinel.
/// </remarks>
public sealed class SkillModelTrainer
{
    /// <summary>The value standing for a missing <c>native</c> feature during training (after scaling).</summary>
    public const float NativeMissingSentinel = 1e30f;

    private readonly TimeProvider _time;

    /// <summary>Creates a trainer.</summary>
    public SkillModelTrainer(TimeProvider? timeProvider = null) => _time = timeProvider ?? TimeProvider.System;

    /// <summary>Trains a skill's model from a dataset holding its features, <c>label_&lt;skill&gt;</c> and optionally <c>rating_&lt;skill&gt;</c>.</summary>
    /// <exception cref="ArgumentException">A column is missing, a label is not 0/1, or there are too few rows.</exception>
    public TrainingResult Train(SkillDefinition skill, TrainingDataset data, SkillTrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(skill);
        ArgumentNullException.ThrowIfNull(data);
        options ??= new SkillTrainingOptions();
        var started = Stopwatch.GetTimestamp();
        var specs = skill.Schema.Features;
        var n = specs.Count;

        var missingColumns = specs.Select(f => f.Name).Append($"label_{skill.Id}").Where(c => !data.HasColumn(c)).ToArray();
        if (missingColumns.Length > 0)
        {
            throw new ArgumentException($"The training data lacks columns for skill '{skill.Id}': {string.Join(", ", missingColumns)}.", nameof(data));
        }

        var raw = specs.Select(f => data.Column(f.Name)).ToArray();
        var labelColumn = data.Column($"label_{skill.Id}");
        var ratingColumn = data.HasColumn($"rating_{skill.Id}") ? data.Column($"rating_{skill.Id}") : null;

        var rows = Enumerable.Range(0, data.RowCount).Where(r => !double.IsNaN(labelColumn[r])).ToArray();
        var unlabeled = data.RowCount - rows.Length;
        if (rows.Any(r => labelColumn[r] is not (0 or 1)))
        {
            throw new ArgumentException($"label_{skill.Id} must be 0 or 1.", nameof(data));
        }

        var rng = new Random(options.Seed);
        rng.Shuffle(rows);
        var testCount = (int)Math.Round(rows.Length * options.TestFraction);
        var test = rows[..testCount];
        var train = rows[testCount..];
        if (train.Length < 50 || test.Length < 10)
        {
            throw new ArgumentException($"Too few labelled rows for skill '{skill.Id}' ({rows.Length}); at least 60 are needed.", nameof(data));
        }

        var statistics = new FeatureStatistics[n];
        var mean = new double[n];
        var scale = new double[n];
        var referenceFeatures = new Dictionary<string, Histogram>(StringComparer.Ordinal);
        for (var f = 0; f < n; f++)
        {
            var values = train.Select(r => raw[f][r]).Where(v => !double.IsNaN(v)).Order().ToArray();
            var m = values.Length == 0 ? 0 : values.Average();
            var std = values.Length == 0 ? 0 : Math.Sqrt(values.Sum(v => (v - m) * (v - m)) / values.Length);
            statistics[f] = new FeatureStatistics
            {
                Name = specs[f].Name,
                Mean = m,
                Median = values.Length == 0 ? 0 : Stats.QuantileSorted(values, 0.5),
                Std = std,
                Min = values.Length == 0 ? 0 : values[0],
                Max = values.Length == 0 ? 0 : values[^1],
                MissingRate = 1 - ((double)values.Length / train.Length),
            };
            mean[f] = m;
            scale[f] = std > 0 ? std : 1;
            referenceFeatures[specs[f].Name] = Histogram.Build(train.Select(r => raw[f][r]), DecileEdges(values));
        }

        var imputeValues = specs.Select((s, f) => s.Missing.Rule switch
        {
            MissingValueStrategy.Mean => statistics[f].Mean,
            MissingValueStrategy.Constant => s.Missing.Value!.Value,
            MissingValueStrategy.Native => double.NaN,
            _ => statistics[f].Median, // median, and required features that happen to be missing in training data
        }).ToArray();

        float[] Prepare(int r, bool forTraining)
        {
            var x = new float[n];
            for (var f = 0; f < n; f++)
            {
                var v = raw[f][r];
                if (double.IsNaN(v))
                {
                    v = imputeValues[f];
                }

                x[f] = double.IsNaN(v)
                    ? (forTraining ? NativeMissingSentinel : float.NaN)
                    : (float)((v - mean[f]) / scale[f]);
            }

            return x;
        }

        var context = new MLContext(options.Seed);
        var schemaDefinition = SchemaDefinition.Create(typeof(TrainingRow));
        schemaDefinition[nameof(TrainingRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, n);
        var trainRows = train.Select(r => new TrainingRow { Features = Prepare(r, true), Label = labelColumn[r] == 1 }).ToArray();
        var trainView = context.Data.LoadFromEnumerable(trainRows, schemaDefinition);
        // The test split is prepared exactly as the service prepares a request: native-missing stays NaN.
        var testView = context.Data.LoadFromEnumerable(test.Select(r => new TrainingRow { Features = Prepare(r, false), Label = labelColumn[r] == 1 }).ToArray(), schemaDefinition);

        var trainerOptions = new FastTreeBinaryTrainer.Options
        {
            LabelColumnName = nameof(TrainingRow.Label),
            FeatureColumnName = nameof(TrainingRow.Features),
            NumberOfTrees = options.NumberOfTrees,
            NumberOfLeaves = options.NumberOfLeaves,
            MinimumExampleCountPerLeaf = options.MinimumExampleCountPerLeaf,
            LearningRate = options.LearningRate,
            NumberOfThreads = 1,
            Seed = options.Seed,
        };
        var model = context.BinaryClassification.Trainers.FastTree(trainerOptions).Fit(trainView);

        var predictions = model.Transform(testView);
        var evaluation = context.BinaryClassification.Evaluate(predictions, labelColumnName: nameof(TrainingRow.Label));
        var probabilities = predictions.GetColumn<float>("Probability").Select(p => (double)p).ToArray();
        var ratings = test.Select(r => ratingColumn?[r] ?? double.NaN).ToArray();
        var pearson = Stats.Pearson(probabilities, ratings);

        var weights = default(VBuffer<float>);
        model.Model.SubModel.GetFeatureWeights(ref weights);
        var gains = weights.DenseValues().Select(w => (double)Math.Max(0, w)).ToArray();
        var totalGain = gains.Sum();
        var importance = specs.Select((s, f) => new FeatureImportance(s.Name, totalGain > 0 ? gains[f] / totalGain : 0)).ToArray();

        // FastTree keeps no node statistics; record how many training rows reach each node so TreeSHAP can explain.
        var compiled = FastTreeImporter.TryCompile(model, n, null);
        var covers = compiled is null ? null : FastTreeImporter.ComputeCovers(compiled, trainRows.Select(r => r.Features));

        byte[] modelBytes;
        using (var stream = new MemoryStream())
        {
            context.Model.Save(model, trainView.Schema, stream);
            modelBytes = stream.ToArray();
        }

        var manifest = new BundleManifest
        {
            Skill = skill.Id,
            Version = options.Version,
            Format = ModelFormats.MlNet,
            ModelFile = "model.zip",
            Sha256 = new string('0', 64),
            Description = options.Description,
            Features = specs,
            Scaler = new ScalerParameters { Mean = mean, Scale = scale },
            Statistics = statistics,
            Metrics = new ModelMetrics
            {
                Auc = evaluation.AreaUnderRocCurve,
                Accuracy = evaluation.Accuracy,
                // ML.NET's evaluator reports log loss in bits (base 2); the manifest holds it in nats, as scikit-learn does.
                LogLoss = evaluation.LogLoss * Math.Log(2),
                PearsonR = double.IsNaN(pearson) ? null : pearson,
                TrainCount = train.Length,
                TestCount = test.Length,
                PositiveRate = train.Average(r => labelColumn[r]),
            },
            Importance = importance,
            Reference = new ReferenceDistributions
            {
                Score = Histogram.Build(probabilities, [.. Enumerable.Range(0, 11).Select(i => i / 10.0)]),
                Features = referenceFeatures,
            },
            TrainedAt = _time.GetUtcNow(),
            TrainingDataSha256 = data.Sha256,
            TreeCovers = covers,
            Trainer = new TrainerDescription
            {
                Library = "ML.NET " + MlNetVersion,
                Algorithm = "FastTree binary classifier, Platt-calibrated",
                Parameters = new Dictionary<string, string>
                {
                    ["numberOfTrees"] = Invariant(options.NumberOfTrees),
                    ["numberOfLeaves"] = Invariant(options.NumberOfLeaves),
                    ["minimumExampleCountPerLeaf"] = Invariant(options.MinimumExampleCountPerLeaf),
                    ["learningRate"] = Invariant(options.LearningRate),
                    ["testFraction"] = Invariant(options.TestFraction),
                    ["seed"] = Invariant(options.Seed),
                    ["nativeMissingSentinel"] = Invariant(NativeMissingSentinel),
                },
            },
        };

        return new TrainingResult(ModelBundle.Create(manifest, modelBytes), Stopwatch.GetElapsedTime(started), unlabeled);
    }

    private static string MlNetVersion =>
        typeof(MLContext).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";

    private static string Invariant(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);

    private static double[] DecileEdges(double[] sorted)
    {
        if (sorted.Length == 0)
        {
            return [0, 1];
        }

        var edges = Enumerable.Range(0, 11).Select(i => Stats.QuantileSorted(sorted, i / 10.0)).Distinct().ToArray();
        return edges.Length >= 2 ? edges : [edges[0], edges[0] + 1];
    }

    private sealed class TrainingRow
    {
        public float[] Features { get; set; } = [];

        public bool Label { get; set; }
    }
}
