using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using SkillInference.Bundles;
using SkillInference.Catalog;
using SkillInference.Engines;
using SkillInference.Registry;
using SkillInference.Schema;
using SkillInference.Training;
using SkillInference.Trees;

namespace SkillInference.Benchmarks.Suite;

/// <summary>
/// <c>--prepare</c>: turns the Python side's output (tools/bench/make_xgboost_model.py, xgboost_to_onnx.py) into the
/// suite's models, trains FT-300 on the same training rows, converts it to ONNX with ML.NET, builds the seven sample
/// models, prepares the FT-300 timing rows, and verifies that every engine computes the same probabilities on the
/// same rows — failing loudly when one does not (a benchmark of a wrong model measures nothing).
/// </summary>
internal static class Preparation
{
    public const string Flag = "--prepare";

    /// <summary>Largest difference allowed between two engines' probabilities of one row.</summary>
    public const double Tolerance = 1e-5;

    private const string FtSkill = "bench_fasttree";

    public static async Task<int> RunAsync()
    {
        var started = Stopwatch.GetTimestamp();
        var xgbFiles = new[] { BenchWork.Xgb300, BenchWork.Xgb400 }.SelectMany(m => new[] { m.ModelJson, m.MetadataJson, m.Onnx, m.Rows, m.Expected });
        foreach (var file in xgbFiles.Append(BenchWork.TrainCsv))
        {
            if (!File.Exists(file))
            {
                await Console.Error.WriteLineAsync($"error: {file} is missing; eng/bench.sh makes it with tools/bench/make_xgboost_model.py and xgboost_to_onnx.py.");
                return 2;
            }
        }

        Directory.CreateDirectory(BenchWork.Models);
        await EnsureXgbBundleAsync(BenchWork.Xgb300, "XGB-300x6: the benchmark suite's XGBoost model (300 trees, max_depth 6, 20 features, hist, synthetic data with missing values).");
        await EnsureXgbBundleAsync(BenchWork.Xgb400, "XGB-400x8: the benchmark suite's deep XGBoost model (400 trees, max_depth 8, 24 features, hist, synthetic data with missing values).");
        await EnsureXgbStoreAsync();
        await EnsureFtBundleAsync();
        EnsureFtOnnx();
        EnsureFtRows();
        var sampleRows = await EnsureSamplesAsync();

        var report = Verify();
        report["samples"] = sampleRows;
        await File.WriteAllTextAsync(BenchWork.Verification, report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"prepared the suite's models in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s ({BenchWork.Models})");
        return 0;
    }

    private static async Task EnsureXgbBundleAsync(XgbModelFiles model, string description)
    {
        var modelJson = await File.ReadAllBytesAsync(model.ModelJson);
        if (IsCurrent(model.Bundle, m => m.Sha256 == ModelBundle.ComputeSha256(modelJson)))
        {
            return;
        }

        var bundle = XGBoostBundleBuilder.Build(new XGBoostImportRequest
        {
            Skill = model.Skill,
            Version = "1.0.0",
            ModelJson = modelJson,
            Metadata = XGBoostExport.ReadMetadata(await File.ReadAllBytesAsync(model.MetadataJson)),
            Description = description,
        });
        await Rewrite(model.Bundle, bundle);
        Console.WriteLine($"{model.Name} bundle: {bundle.Schema.Count} features, imported with XGBoostBundleBuilder");
    }

    /// <summary>A model store with XGB-300x6 published and deployed, its only skill (made again when the bundle changes).</summary>
    private static async Task EnsureXgbStoreAsync()
    {
        var bundle = SuiteModels.ReadBundle(BenchWork.Xgb300.Bundle);
        var registry = new ModelRegistry(new FileSystemModelStore(BenchWork.XgbStore), formats: BuiltInModelFormats.Create());
        if (Directory.Exists(BenchWork.XgbStore))
        {
            var deployed = (await registry.ReadAsync()).Document.Skills.GetValueOrDefault(bundle.Skill)?.Deployed;
            if (deployed == bundle.Version.ToString() && (await registry.Bundles.GetManifestAsync(bundle.Skill, deployed))?.Sha256 == bundle.Manifest.Sha256)
            {
                return;
            }

            Directory.Delete(BenchWork.XgbStore, recursive: true);
            registry = new ModelRegistry(new FileSystemModelStore(BenchWork.XgbStore), formats: BuiltInModelFormats.Create());
        }

        var context = new ChangeContext("benchmark suite", "XGB-300x6 for the bulk paths");
        await registry.PublishAsync(bundle, context);
        await registry.DeployAsync(bundle.Skill, bundle.Version.ToString(), context);
        Console.WriteLine($"XGB-300x6 store: {bundle.Skill}@{bundle.Version} deployed in {BenchWork.XgbStore}");
    }

    private static async Task EnsureFtBundleAsync()
    {
        var csv = await File.ReadAllBytesAsync(BenchWork.TrainCsv);
        var sha = ModelBundle.ComputeSha256(csv);
        if (IsCurrent(BenchWork.FtBundle, m => m.TrainingDataSha256 == sha))
        {
            return;
        }

        var data = TrainingDataset.ParseCsv(csv);
        var names = data.Columns.Where(c => !c.StartsWith("label_", StringComparison.Ordinal)).ToArray();
        var skill = new SkillDefinition
        {
            Id = FtSkill,
            Schema = FeatureSchema.Create(names.Select(n => new FeatureSpec { Name = n, Group = FeatureGroup.Other, Description = "Benchmark feature.", Missing = MissingValueRule.Native })),
        };
        var started = Stopwatch.GetTimestamp();
        var result = new SkillModelTrainer().Train(skill, data, new SkillTrainingOptions
        {
            Version = "1.0.0",
            NumberOfTrees = 300,
            NumberOfLeaves = 64,
            Description = "FT-300: the benchmark suite's ML.NET FastTree model (300 trees, 64 leaves) on XGB-300x6's training rows.",
        });
        await Rewrite(BenchWork.FtBundle, result.Bundle);
        File.Delete(BenchWork.FtOnnx);
        File.Delete(BenchWork.FtRows);
        Console.WriteLine($"FT-300 trained in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s: AUC {result.Bundle.Manifest.Metrics.Auc:0.000}");
    }

    private static void EnsureFtOnnx()
    {
        if (File.Exists(BenchWork.FtOnnx))
        {
            return;
        }

        var bundle = SuiteModels.ReadBundle(BenchWork.FtBundle);
        var mlnet = new MlNetBaseline(bundle.ModelBytes.ToArray());

        // ConvertToOnnx makes every column of the view an input: pass a view with only the Features column.
        var view = mlnet.Context.Data.LoadFromEnumerable([new MlNetBaseline.Row { Features = new float[mlnet.FeatureCount] }], mlnet.Definition);
        using var onnx = new MemoryStream();
        mlnet.Context.Model.ConvertToOnnx(mlnet.Transformer, view, onnx);
        File.WriteAllBytes(BenchWork.FtOnnx, onnx.ToArray());
        Console.WriteLine($"FT-300 converted to ONNX by ML.NET's ConvertToOnnx ({onnx.Length / 1024:N0} KiB)");
    }

    private static void EnsureFtRows()
    {
        var bundle = SuiteModels.ReadBundle(BenchWork.FtBundle);
        var raw = BenchWork.ReadFloats(BenchWork.Xgb300.Rows);
        if (File.Exists(BenchWork.FtRows) && new FileInfo(BenchWork.FtRows).Length == new FileInfo(BenchWork.Xgb300.Rows).Length)
        {
            return;
        }

        // The scaler as the service applies it: (x - mean) / scale in double, then float; NaN stays NaN (native rule).
        var scaler = bundle.Manifest.Scaler ?? throw new InvalidOperationException("FT-300 has no scaler.");
        var n = SuiteModels.Features;
        var prepared = new float[raw.Length];
        for (var i = 0; i < raw.Length; i++)
        {
            var f = i % n;
            prepared[i] = float.IsNaN(raw[i]) ? float.NaN : (float)((raw[i] - scaler.Mean[f]) / scaler.Scale[f]);
        }

        // ... and checked against the service's own feature preparation on the first rows.
        var builder = new FeatureVectorBuilder(bundle.Skill, bundle.Schema, bundle.Manifest);
        var row = new float[n];
        for (var r = 0; r < 2_000; r++)
        {
            var input = new Dictionary<string, double?>(StringComparer.Ordinal);
            for (var f = 0; f < n; f++)
            {
                input[bundle.Schema.Features[f].Name] = float.IsNaN(raw[(r * n) + f]) ? null : raw[(r * n) + f];
            }

            List<FeatureError>? errors = null;
            if (!builder.TryBuild(input, row, new double[n], new bool[n], ref errors) || !row.AsSpan().SequenceEqual(prepared.AsSpan(r * n, n)))
            {
                throw new InvalidOperationException($"Row {r}: the prepared FT-300 row differs from the service's FeatureVectorBuilder.");
            }
        }

        BenchWork.WriteFloats(BenchWork.FtRows, prepared);
    }

    private static async Task<JsonObject> EnsureSamplesAsync()
    {
        var (path, catalog, _) = await BenchmarkStore.CreateAsync(BenchWork.SampleStore, rows: 1);
        Console.WriteLine($"sample models: {catalog.Skills.Count} skills in {path}");
        var (bundle, _) = await SampleRows.PrepareAsync("collaboration", 1);
        return new JsonObject { ["skills"] = catalog.Skills.Count, ["collaboration"] = Describe(bundle) };
    }

    private static JsonObject Verify()
    {
        var models = SuiteModels.Current;
        var n = SuiteModels.Features;
        var count = models.Xgb.Expected().Length;
        var report = new JsonObject { ["tolerance"] = Tolerance };

        // XGB-300x6 and XGB-400x8: xgboost's own predict_proba is the reference.
        report["xgb"] = VerifyXgb(models.Xgb);
        report["xgbDeep"] = VerifyXgb(models.XgbDeep);

        // FT-300: ML.NET's own PredictionEngine is the reference.
        var ftCount = Math.Min(count, 16_384);
        var mlnet = new MlNetBaseline(models.FtBundle.ModelBytes.ToArray());
        var reference = Enumerable.Range(0, ftCount).Select(i => mlnet.Predict(models.FtRows.AsSpan(i * n, n))).ToArray();
        using (var ours = SuiteModels.Ours(models.FtBundle))
        using (var onnx = new OnnxBaseline(models.FtOnnx, threads: Environment.ProcessorCount))
        {
            var oursOut = new float[ftCount];
            ours.PredictBatch(models.FtRows.AsSpan(0, ftCount * n), oursOut);
            var onnxOut = onnx.PredictAll(models.FtRows, ftCount);
            var transform = new float[ftCount];
            mlnet.TransformAll(mlnet.View(models.FtRows, ftCount), transform);
            report["ft"] = new JsonObject
            {
                ["rows"] = ftCount,
                ["reference"] = "ML.NET PredictionEngine",
                ["oursMaxAbsDiff"] = MaxDiff(oursOut, reference),
                ["oursExactRows"] = oursOut.Zip(reference).Count(p => p.First == p.Second),
                ["onnxMaxAbsDiff"] = MaxDiff(onnxOut, reference),
                ["transformMaxAbsDiff"] = MaxDiff(transform, reference),
                ["onnxOutput"] = onnx.OutputName,
            };
        }

        var rows = models.XgbRows;
        report["timingRows"] = new JsonObject { ["rows"] = models.RowCount, ["distinct"] = CountDistinct(rows, n), ["missingShare"] = rows.Count(float.IsNaN) / (double)rows.Length };
        report["trees"] = new JsonObject
        {
            ["xgb"] = Describe(models.XgbBundle),
            ["xgbDeep"] = Describe(models.XgbDeep.Bundle),
            ["ft"] = Describe(models.FtBundle),
            ["ftShape"] = FastTreeShape(mlnet),
        };

        var failures = new List<string>();
        string[] xgbKeys = ["oursMaxAbsDiff", "onnxMaxAbsDiff", "oursSingleRowMaxAbsDiff"];
        (string Model, string Key)[] ftChecks = [("ft", "oursMaxAbsDiff"), ("ft", "onnxMaxAbsDiff"), ("ft", "transformMaxAbsDiff")];
        string[] xgbModels = ["xgb", "xgbDeep"];
        foreach (var (model, key) in xgbModels.SelectMany(m => xgbKeys.Select(k => (m, k))).Concat(ftChecks))
        {
            var diff = report[model]![key]!.GetValue<double>();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"verify {model} {key}: {diff:G3}"));
            if (!(diff <= Tolerance))
            {
                failures.Add($"{model} {key} = {diff:G3}");
            }
        }

        if (failures.Count > 0)
        {
            throw new InvalidOperationException($"The engines disagree beyond {Tolerance:G}: {string.Join("; ", failures)}. The benchmarks would compare different models; fix the conversion (or the engine) first.");
        }

        return report;
    }

    /// <summary>An XGBoost model's engines against xgboost's own predict_proba of the same rows.</summary>
    private static JsonObject VerifyXgb(XgbSuiteModel model)
    {
        var n = model.Features;
        var expected = model.Expected();
        var count = expected.Length;
        using var ours = SuiteModels.Ours(model.Bundle);
        using var onnx = new OnnxBaseline(model.Onnx, threads: Environment.ProcessorCount);
        var oursOut = new float[count];
        ours.PredictBatch(model.Rows.AsSpan(0, count * n), oursOut);
        var onnxOut = onnx.PredictAll(model.Rows, count);
        return new JsonObject
        {
            ["rows"] = count,
            ["reference"] = "xgboost predict_proba",
            ["oursMaxAbsDiff"] = MaxDiff(oursOut, expected),
            ["oursExactRows"] = oursOut.Zip(expected).Count(p => p.First == p.Second),
            ["onnxMaxAbsDiff"] = MaxDiff(onnxOut, expected),
            ["oursSingleRowMaxAbsDiff"] = MaxDiff(Enumerable.Range(0, 4096).Select(i => ours.Predict(model.Rows.AsSpan(i * n, n))).ToArray(), expected.AsSpan(0, 4096).ToArray()),
        };
    }

    internal static JsonObject Describe(ModelBundle bundle) => new()
    {
        ["skill"] = bundle.Skill,
        ["format"] = bundle.Manifest.Format,
        ["trainer"] = $"{bundle.Manifest.Trainer.Library} {bundle.Manifest.Trainer.Algorithm}".Trim(),
        ["parameters"] = string.Join(", ", bundle.Manifest.Trainer.Parameters.Select(kv => $"{kv.Key}={kv.Value}")),
        ["auc"] = bundle.Manifest.Metrics.Auc,
        ["features"] = bundle.Schema.Count,
    };

    /// <summary>FT-300's trees as ML.NET trained them: count, leaves and depth (NumberOfLeaves is a maximum).</summary>
    private static JsonObject FastTreeShape(MlNetBaseline mlnet)
    {
        var last = mlnet.Transformer is TransformerChain<ITransformer> chain ? chain.LastTransformer : mlnet.Transformer;
        if (last is not ISingleFeaturePredictionTransformer<CalibratedModelParametersBase<FastTreeBinaryModelParameters, PlattCalibrator>> prediction)
        {
            return new JsonObject { ["note"] = $"not a calibrated FastTree model: {last.GetType().Name}" };
        }

        var trees = prediction.Model.SubModel.TrainedTreeEnsemble.Trees;
        static int Depth(RegressionTree tree, int node) => node < 0 ? 0 : 1 + Math.Max(Depth(tree, tree.LeftChild[node]), Depth(tree, tree.RightChild[node]));
        var depths = trees.Select(t => Depth(t, 0)).ToArray();
        return new JsonObject
        {
            ["trees"] = trees.Count,
            ["meanLeaves"] = trees.Average(t => t.NumberOfLeaves),
            ["maxLeaves"] = trees.Max(t => t.NumberOfLeaves),
            ["meanDepth"] = depths.Average(),
            ["maxDepth"] = depths.Max(),
        };
    }

    internal static double MaxDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var max = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            var d = Math.Abs((double)a[i] - b[i]);
            if (double.IsNaN(d))
            {
                return double.NaN;
            }

            max = Math.Max(max, d);
        }

        return max;
    }

    private static int CountDistinct(float[] rows, int n)
    {
        // Two independent 64-bit multiply-xor hashes of the rows' bits: collisions among 10^6 rows are ~10^-26 likely.
        var seen = new HashSet<UInt128>();
        for (var r = 0; r < rows.Length / n; r++)
        {
            ulong a = 0x9E3779B97F4A7C15, b = 0xC2B2AE3D27D4EB4F;
            foreach (var value in rows.AsSpan(r * n, n))
            {
                var bits = (ulong)BitConverter.SingleToUInt32Bits(value);
                a = (a ^ bits) * 0x100000001B3UL;
                a ^= a >> 29;
                b = (b ^ (bits + 0x632BE59BD9B4E019UL)) * 0xFF51AFD7ED558CCDUL;
                b ^= b >> 31;
            }

            seen.Add(new UInt128(a, b));
        }

        return seen.Count;
    }

    private static bool IsCurrent(string directory, Func<BundleManifest, bool> current)
    {
        var manifest = Path.Combine(directory, ModelBundle.ManifestFileName);
        return File.Exists(manifest) && current(ModelBundle.ParseManifest(File.ReadAllBytes(manifest)));
    }

    private static async Task Rewrite(string directory, ModelBundle bundle)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        await bundle.WriteDirectoryAsync(directory);
    }
}
