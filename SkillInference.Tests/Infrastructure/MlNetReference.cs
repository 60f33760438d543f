using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using SkillInference.Bundles;

namespace SkillInference.Tests.Infrastructure;

/// <summary>
/// ML.NET's own scoring of a bundle's model, set up independently of the code under test: a fresh MLContext, the
/// model zip, a PredictionEngine, and the scaler applied by the documented formula (x - mean) / scale in double.
/// </summary>
public sealed class MlNetReference
{
    private readonly PredictionEngine<Row, Output> _engine;
    private readonly BundleManifest _manifest;

    public MlNetReference(ModelBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        _manifest = bundle.Manifest;
        Context = new MLContext();
        using var stream = new MemoryStream(bundle.ModelBytes.ToArray());
        Transformer = Context.Model.Load(stream, out _);
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, bundle.Schema.Count);
        _engine = Context.Model.CreatePredictionEngine<Row, Output>(Transformer, ignoreMissingColumns: true, inputSchemaDefinition: definition);
    }

    public MLContext Context { get; }

    public ITransformer Transformer { get; }

    /// <summary>ML.NET's probability for raw feature values (NaN = missing, passed as NaN) in schema order.</summary>
    public float PredictRaw(IReadOnlyList<double> raw) => PredictScaled(SampleRows.Scaled(_manifest, raw));

    /// <summary>ML.NET's probability for an already prepared row.</summary>
    public float PredictScaled(float[] features) => _engine.Predict(new Row { Features = features }).Probability;

    /// <summary>ML.NET's own gain importance of the FastTree model, normalized to sum to 1.</summary>
    public double[] GainImportance()
    {
        var transformer = Transformer is TransformerChain<ITransformer> chain ? chain.LastTransformer : Transformer;
        var predictor = (ISingleFeaturePredictionTransformer<object>)transformer;
        var calibrated = (CalibratedModelParametersBase<FastTreeBinaryModelParameters, PlattCalibrator>)predictor.Model;
        var weights = default(VBuffer<float>);
        calibrated.SubModel.GetFeatureWeights(ref weights);
        var dense = weights.DenseValues().Select(w => (double)w).ToArray();
        var total = dense.Sum();
        return [.. dense.Select(w => w / total)];
    }

    public sealed class Row
    {
        public float[] Features { get; set; } = [];
    }

    public sealed class Output
    {
        public float Probability { get; set; }
    }
}
