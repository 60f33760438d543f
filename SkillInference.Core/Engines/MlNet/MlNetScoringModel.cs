using Microsoft.ML;
using Microsoft.ML.Data;
using SkillInference.Bundles;

namespace SkillInference.Engines.MlNet;

/// <summary>Scores an ML.NET model with ML.NET's own pooled <see cref="PredictionEngine{TSrc,TDst}"/>: the reference engine of <c>mlnet</c> bundles.</summary>
internal sealed class MlNetScoringModel : IScoringModel
{
    public const string EngineName = "mlnet";

    private readonly MlNetEnginePool<MlNetScoreRow> _engines;

    public MlNetScoringModel(ModelBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        var context = new MLContext(seed: 0);
        DataViewSchema inputSchema;
        try
        {
            using var stream = new MemoryStream(bundle.ModelBytes.ToArray(), writable: false);
            Transformer = context.Model.Load(stream, out inputSchema);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or InvalidDataException or ArgumentException or IOException)
        {
            throw new BundleValidationException(BundleValidationErrorKind.InvalidModel, $"The ML.NET model of {bundle.Skill}@{bundle.Version} cannot be loaded: {ex.Message}", innerException: ex);
        }

        var column = inputSchema.GetColumnOrNull("Features");
        if (column?.Type is not VectorDataViewType { ItemType: NumberDataViewType, Size: > 0 } vector || vector.ItemType != NumberDataViewType.Single)
        {
            throw new BundleValidationException(BundleValidationErrorKind.InvalidModel, $"The ML.NET model of {bundle.Skill}@{bundle.Version} has no fixed-size float vector column 'Features'.");
        }

        FeatureCount = vector.Size;
        _engines = new MlNetEnginePool<MlNetScoreRow>(context, Transformer, MlNetFeatureRow.Definition(FeatureCount), FeatureCount, output: null, static row => row.Probability);

        // Fail at load, not on the first request, if the model cannot score.
        var probe = new float[FeatureCount];
        Predict(probe);
    }

    public string Engine => EngineName;

    public int FeatureCount { get; }

    internal ITransformer Transformer { get; }

    public float Predict(ReadOnlySpan<float> features) => _engines.Predict(features);

    public void PredictBatch(ReadOnlySpan<float> rows, Span<float> probabilities) => _engines.PredictBatch(rows, probabilities);

    public void Dispose() => _engines.Dispose();
}
