using Microsoft.Extensions.ObjectPool;
using Microsoft.ML;
using Microsoft.ML.Data;
using SkillInference.Bundles;

namespace SkillInference.Engines.MlNet;

/// <summary>
/// Scores with ML.NET's own <see cref="PredictionEngine{TSrc,TDst}"/>: the reference engine. A PredictionEngine is
/// not thread-safe, so engines are pooled (Microsoft.Extensions.ML, which does this, is not available here).
/// </summary>
internal sealed class MlNetScoringModel : IScoringModel
{
    private readonly DefaultObjectPool<Slot> _pool;

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
        Context = context;
        InputDefinition = SchemaDefinition.Create(typeof(MlNetFeatureRow));
        InputDefinition[nameof(MlNetFeatureRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, FeatureCount);
        _pool = new DefaultObjectPool<Slot>(new SlotPolicy(this), Environment.ProcessorCount * 2);

        // Fail at load, not on the first request, if the model cannot score.
        var probe = new float[FeatureCount];
        Predict(probe);
    }

    public string Engine => "mlnet";

    public int FeatureCount { get; }

    internal MLContext Context { get; }

    internal ITransformer Transformer { get; }

    internal SchemaDefinition InputDefinition { get; }

    public float Predict(ReadOnlySpan<float> features)
    {
        if (features.Length != FeatureCount)
        {
            throw new ArgumentException($"Expected {FeatureCount} features, got {features.Length}.", nameof(features));
        }

        var slot = _pool.Get();
        try
        {
            features.CopyTo(slot.Input.Features);
            slot.Engine.Predict(slot.Input, ref slot.Output);
            return slot.Output.Probability;
        }
        finally
        {
            _pool.Return(slot);
        }
    }

    public void PredictBatch(ReadOnlySpan<float> rows, Span<float> probabilities)
    {
        if (rows.Length != probabilities.Length * FeatureCount)
        {
            throw new ArgumentException($"Expected {probabilities.Length} rows of {FeatureCount} features.", nameof(rows));
        }

        var slot = _pool.Get();
        try
        {
            for (var i = 0; i < probabilities.Length; i++)
            {
                rows.Slice(i * FeatureCount, FeatureCount).CopyTo(slot.Input.Features);
                slot.Engine.Predict(slot.Input, ref slot.Output);
                probabilities[i] = slot.Output.Probability;
            }
        }
        finally
        {
            _pool.Return(slot);
        }
    }

    public void Dispose()
    {
        // PredictionEngines hold no native resources; the pool is dropped with the model.
    }

    private sealed class Slot(PredictionEngine<MlNetFeatureRow, MlNetScoreRow> engine, int featureCount)
    {
        public PredictionEngine<MlNetFeatureRow, MlNetScoreRow> Engine { get; } = engine;

        public MlNetFeatureRow Input { get; } = new() { Features = new float[featureCount] };

#pragma warning disable SA1401, CA1051 // A field, so Predict can fill it by reference without allocating.
        public MlNetScoreRow Output = new();
#pragma warning restore SA1401, CA1051
    }

    private sealed class SlotPolicy(MlNetScoringModel model) : PooledObjectPolicy<Slot>
    {
        public override Slot Create() => new(
            model.Context.Model.CreatePredictionEngine<MlNetFeatureRow, MlNetScoreRow>(model.Transformer, ignoreMissingColumns: true, inputSchemaDefinition: model.InputDefinition),
            model.FeatureCount);

        public override bool Return(Slot obj) => true;
    }
}
