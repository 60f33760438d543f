using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Transforms.Onnx;
using SkillInference.Bundles;
using SkillInference.Engines;
using SkillInference.Engines.MlNet;

namespace SkillInference.Onnx.Engine;

/// <summary>
/// The Reference engine of <c>onnx</c> bundles: the graph scored through ML.NET's <c>OnnxTransformer</c>
/// (<c>MLContext.Transforms.ApplyOnnxModel</c>, which runs ONNX Runtime underneath), read with pooled PredictionEngines
/// as for <c>mlnet</c> bundles, so ML.NET is the reference for every format it reads. The input and output are the
/// ones <see cref="OnnxGraph.Resolve"/> chose for the ONNX Runtime engine. Batches are scored row by row.
/// </summary>
internal sealed class MlNetOnnxScoringModel : IScoringModel
{
    public const string EngineName = "mlnet-onnx";

    private readonly MlNetEnginePool<Output> _engines;

    private MlNetOnnxScoringModel(MlNetEnginePool<Output> engines, OnnxSignature signature, string modelFile)
    {
        _engines = engines;
        Signature = signature;
        ModelFile = modelFile;
    }

    public string Engine => EngineName;

    public int FeatureCount => _engines.FeatureCount;

    /// <summary>How the graph is fed and read (as for the ONNX Runtime engine).</summary>
    public OnnxSignature Signature { get; }

    /// <summary>The temporary copy of the graph ML.NET opened; gone once the model is disposed, or sooner where the OS allows.</summary>
    internal string ModelFile { get; }

    /// <summary>Opens the graph in ML.NET.</summary>
    /// <param name="model">The graph's bytes.</param>
    /// <param name="signature">Which input and output to use, as resolved for the ONNX Runtime engine.</param>
    /// <param name="what">The subject of error messages, e.g. "The ONNX model of collaboration@1.0.0".</param>
    /// <exception cref="BundleValidationException">ML.NET cannot open or run the graph.</exception>
    public static MlNetOnnxScoringModel Load(ReadOnlyMemory<byte> model, OnnxSignature signature, string what)
    {
        ArgumentNullException.ThrowIfNull(signature);

        // ML.NET opens ONNX graphs from files; given a stream it writes one itself, never deletes it and ignores the
        // thread settings. So the graph is written here, and deleted as soon as ONNX Runtime has read it (or, where an
        // open file cannot be deleted, when the model is disposed).
        var file = Path.Combine(Path.GetTempPath(), $"skillinference-{Guid.NewGuid():N}.onnx");
        OnnxTransformer? transformer = null;
        MlNetEnginePool<Output>? engines = null;
        try
        {
            File.WriteAllBytes(file, model.ToArray());
            var context = new MLContext(seed: 0);
            var input = MlNetFeatureRow.Definition(signature.FeatureCount, signature.InputName);
            var rows = context.Data.LoadFromEnumerable(Array.Empty<MlNetFeatureRow>(), input);

            // One thread per session, as for the ONNX Runtime engine: requests are the parallelism.
            transformer = context.Transforms.ApplyOnnxModel(new OnnxOptions
            {
                ModelFile = file,
                InputColumns = [signature.InputName],
                OutputColumns = [signature.OutputName],
                InterOpNumThreads = 1,
                IntraOpNumThreads = 1,
            }).Fit(rows);
            TryDelete(file);

            // The transformer appends one column for the output, named after it but for ML.NET's own rule (it drops a
            // ".output" suffix, so ConvertToOnnx's "Probability.output" reads back as "Probability"): take its name as
            // the schema says.
            var schema = transformer.GetOutputSchema(rows.Schema);
            var output = SchemaDefinition.Create(typeof(Output));
            output[nameof(Output.Values)].ColumnName = schema[schema.Count - 1].Name;
            var owned = transformer;
            engines = new MlNetEnginePool<Output>(context, transformer, input, signature.FeatureCount, output, row => Read(row, signature), release: () =>
            {
                owned.Dispose();
                TryDelete(file);
            });

            // Fail at load, not on the first request, if ML.NET cannot run the graph.
            engines.Predict(new float[signature.FeatureCount]);
            return new MlNetOnnxScoringModel(engines, signature, file);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException or OnnxRuntimeException)
        {
            Release();
            throw new BundleValidationException(BundleValidationErrorKind.InvalidModel, $"{what} cannot be run by ML.NET's OnnxTransformer: {ex.Message}", innerException: ex);
        }
        catch
        {
            Release();
            throw;
        }

        void Release()
        {
            if (engines is not null)
            {
                engines.Dispose();
            }
            else
            {
                transformer?.Dispose();
                TryDelete(file);
            }
        }
    }

    public float Predict(ReadOnlySpan<float> features) => _engines.Predict(features);

    public void PredictBatch(ReadOnlySpan<float> rows, Span<float> probabilities) => _engines.PredictBatch(rows, probabilities);

    public void Dispose() => _engines.Dispose();

    private static float Read(Output row, OnnxSignature signature) => row.Values.Length == signature.OutputWidth
        ? row.Values[signature.PositiveIndex]
        : throw new InvalidOperationException($"ML.NET's OnnxTransformer returned {row.Values.Length} values of output {signature.OutputName} for a row; expected {signature.OutputWidth}.");

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Still open (Windows does not delete open files): deleted again when the model is disposed.
        }
    }

    /// <summary>The graph output's values for one row (the column is renamed to the output's name per model).</summary>
    private sealed class Output
    {
        public float[] Values { get; set; } = [];
    }
}
