using Microsoft.Extensions.ObjectPool;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace SkillInference.Engines.MlNet;

/// <summary>
/// ML.NET <see cref="PredictionEngine{TSrc,TDst}"/>s over one transformer whose input is a single float vector, pooled:
/// a PredictionEngine is not thread-safe (Microsoft.Extensions.ML, which pools them, is not available here), so each
/// call takes an engine of its own and any number of threads score at once. The reference engine of every format ML.NET
/// reads. Dispose waits for calls in flight: the engines, and what <c>release</c> frees, go when the last one returns.
/// </summary>
/// <typeparam name="TOutput">The output row the engines fill.</typeparam>
internal sealed class MlNetEnginePool<TOutput> : IDisposable
    where TOutput : class, new()
{
    private readonly ObjectPool<Slot> _pool;
    private readonly Func<TOutput, float> _probability;
    private readonly InFlightCalls _calls;

    /// <param name="context">The context the transformer belongs to.</param>
    /// <param name="transformer">The model.</param>
    /// <param name="input">The input row's schema (<see cref="MlNetFeatureRow.Definition"/>).</param>
    /// <param name="featureCount">The input vector's size.</param>
    /// <param name="output">The output row's schema, or null to map <typeparamref name="TOutput"/> by its attributes.</param>
    /// <param name="probability">Reads the positive class's probability from a filled output row.</param>
    /// <param name="release">Frees what the engines use (e.g. the transformer's native session) once they are gone, or null.</param>
    public MlNetEnginePool(MLContext context, ITransformer transformer, SchemaDefinition input, int featureCount, SchemaDefinition? output, Func<TOutput, float> probability, Action? release = null)
    {
        FeatureCount = featureCount;
        _probability = probability;

        // Slot is IDisposable, so the provider's pool disposes engines it drops and, when disposed, those it holds.
        _pool = new DefaultObjectPoolProvider { MaximumRetained = Environment.ProcessorCount * 2 }.Create(new SlotPolicy(context, transformer, input, output, featureCount));
        _calls = new InFlightCalls(this, () =>
        {
            (_pool as IDisposable)?.Dispose();
            release?.Invoke();
        });
    }

    public int FeatureCount { get; }

    public float Predict(ReadOnlySpan<float> features)
    {
        if (features.Length != FeatureCount)
        {
            throw new ArgumentException($"Expected {FeatureCount} features, got {features.Length}.", nameof(features));
        }

        using var call = _calls.Enter();
        var slot = _pool.Get();
        try
        {
            features.CopyTo(slot.Input.Features);
            slot.Engine.Predict(slot.Input, ref slot.Output);
            return _probability(slot.Output);
        }
        finally
        {
            _pool.Return(slot);
        }
    }

    /// <summary>Row by row on one engine: the reference is for correctness, not speed.</summary>
    public void PredictBatch(ReadOnlySpan<float> rows, Span<float> probabilities)
    {
        if (rows.Length != probabilities.Length * FeatureCount)
        {
            throw new ArgumentException($"Expected {probabilities.Length} rows of {FeatureCount} features.", nameof(rows));
        }

        using var call = _calls.Enter();
        var slot = _pool.Get();
        try
        {
            for (var i = 0; i < probabilities.Length; i++)
            {
                rows.Slice(i * FeatureCount, FeatureCount).CopyTo(slot.Input.Features);
                slot.Engine.Predict(slot.Input, ref slot.Output);
                probabilities[i] = _probability(slot.Output);
            }
        }
        finally
        {
            _pool.Return(slot);
        }
    }

    public void Dispose() => _calls.Dispose();

    private sealed class Slot(PredictionEngine<MlNetFeatureRow, TOutput> engine, int featureCount) : IDisposable
    {
        public PredictionEngine<MlNetFeatureRow, TOutput> Engine { get; } = engine;

        public MlNetFeatureRow Input { get; } = new() { Features = new float[featureCount] };

#pragma warning disable SA1401, CA1051 // A field, so Predict can fill it by reference without allocating.
        public TOutput Output = new();
#pragma warning restore SA1401, CA1051

        public void Dispose() => Engine.Dispose();
    }

    private sealed class SlotPolicy(MLContext context, ITransformer transformer, SchemaDefinition input, SchemaDefinition? output, int featureCount) : PooledObjectPolicy<Slot>
    {
        // The engines share the transformer: disposing one (the pool drops engines it has no room for) must not dispose it.
        private readonly PredictionEngineOptions _options = new() { InputSchemaDefinition = input, OutputSchemaDefinition = output, OwnsTransformer = false };

        public override Slot Create() => new(context.Model.CreatePredictionEngine<MlNetFeatureRow, TOutput>(transformer, _options), featureCount);

        public override bool Return(Slot obj) => true;
    }
}
