using SkillInference.Engines;

namespace SkillInference.Trees;

/// <summary>
/// Scores and explains with a compiled <see cref="TreeEnsemble"/>: the fast path for XGBoost and FastTree bundles.
/// Scoring uses the branch-free <see cref="FlatForest"/> layout; large batches are split across the cores. Results are
/// identical to the node-by-node walk of <see cref="TreeEnsemble"/>.
/// </summary>
internal sealed class CompiledTreeModel : IScoringModel, IExplainableModel
{
    /// <summary>Batches at least this large are scored on several cores.</summary>
    internal const int ParallelThreshold = 4096;
    private const int ParallelChunk = 2048;

    private readonly TreeEnsemble _ensemble;
    private readonly ITreeKernel _flat;
    private readonly Lazy<TreeShap>? _shap;
    private readonly float _baseMargin;
    private readonly float[]? _dartWeights;

    public CompiledTreeModel(TreeEnsemble ensemble, TreeKernelKind kernel = TreeKernelKind.Auto)
    {
        _ensemble = ensemble;
        _flat = ChooseKernel(ensemble, kernel);
        _shap = ensemble.Cover is null ? null : new Lazy<TreeShap>(() => new TreeShap(ensemble));
        _baseMargin = (float)ensemble.BaseMargin;
        _dartWeights = ensemble.Dart ? ensemble.TreeWeights : null;
    }

    public string Engine => "compiled-trees";

    /// <summary>The kernel scoring this model (heap, quickscorer or self-loop).</summary>
    internal string Kernel => _flat.Name;

    /// <summary>
    /// Balanced shallow trees (XGBoost's depth-limited ones) descend a complete heap layout; unbalanced trees of up to 64
    /// leaves (FastTree's leaf-wise ones) are scored by QuickScorer; anything else by the self-looping layout.
    /// </summary>
    internal static ITreeKernel ChooseKernel(TreeEnsemble ensemble, TreeKernelKind kind) => kind switch
    {
        TreeKernelKind.Heap => HeapForest.TryBuild(ensemble) ?? throw new InvalidOperationException("The trees are too deep for the heap layout."),
        TreeKernelKind.QuickScorer => QuickScorerForest.TryBuild(ensemble) ?? throw new InvalidOperationException("A tree has too many leaves for QuickScorer."),
        TreeKernelKind.SelfLoop => FlatForest.Build(ensemble),
        _ => (ITreeKernel?)(HeapPays(ensemble) ? HeapForest.TryBuild(ensemble) : null) ?? (ITreeKernel?)QuickScorerForest.TryBuild(ensemble) ?? FlatForest.Build(ensemble),
    };

    /// <summary>
    /// Whether descending complete trees beats QuickScorer: a heap descent costs the depth per tree (and 2^depth slots of
    /// memory), QuickScorer about half the splits. Dense trees (XGBoost's depth-limited ones) descend; sparse trees
    /// (FastTree's few leaves grown deep) are scanned.
    /// </summary>
    internal static bool HeapPays(TreeEnsemble ensemble)
    {
        var splits = 0;
        for (var node = 0; node < ensemble.Feature.Length; node++)
        {
            if (ensemble.Feature[node] >= 0)
            {
                splits++;
            }
        }

        var meanSplits = (double)splits / Math.Max(1, ensemble.TreeCount);
        return meanSplits >= 2 * HeapForest.DepthOf(ensemble);
    }

    public int FeatureCount => _ensemble.FeatureCount;

    public bool CanExplain => _shap is not null;

    internal TreeEnsemble Ensemble => _ensemble;

    public float Predict(ReadOnlySpan<float> features)
    {
        if (features.Length != _ensemble.FeatureCount)
        {
            throw new ArgumentException($"Expected {_ensemble.FeatureCount} features, got {features.Length}.", nameof(features));
        }

        return PredictOne(features);
    }

    public void PredictBatch(ReadOnlySpan<float> rows, Span<float> probabilities)
    {
        var n = _ensemble.FeatureCount;
        if (rows.Length != probabilities.Length * n)
        {
            throw new ArgumentException($"Expected {probabilities.Length} rows of {n} features.", nameof(rows));
        }

        if (probabilities.Length >= ParallelThreshold && Environment.ProcessorCount > 1)
        {
            PredictParallel(rows, probabilities);
            return;
        }

        PredictRange(rows, probabilities);
    }

    public double Explain(ReadOnlySpan<float> features, Span<double> contributions)
    {
        if (_shap is null)
        {
            throw new InvalidOperationException("This model has no node covers, so it cannot be explained.");
        }

        var bias = _shap.Value.Explain(features, contributions);
        if (_ensemble.Semantics == TreeSemantics.FastTree)
        {
            // The raw score s maps to log-odds -(slope * s + offset): scale the contributions, shift the bias.
            var slope = _ensemble.PlattSlope;
            for (var i = 0; i < contributions.Length; i++)
            {
                contributions[i] *= -slope;
            }

            return (-slope * bias) - _ensemble.PlattOffset;
        }

        return bias;
    }

    public void Dispose()
    {
    }

    private float PredictOne(ReadOnlySpan<float> row)
    {
        return _ensemble.Semantics == TreeSemantics.XGBoost
            ? _ensemble.Probability(_flat.MarginFloat(row, _baseMargin, _dartWeights))
            : _ensemble.Probability((float)(_flat.SumDouble(row, _ensemble.TreeWeightsDouble) + _ensemble.BaseMargin));
    }

    private void PredictRange(ReadOnlySpan<float> rows, Span<float> probabilities)
    {
        var n = _ensemble.FeatureCount;
        if (_ensemble.Semantics == TreeSemantics.XGBoost)
        {
            _flat.Scores(rows, n, probabilities, [], _baseMargin, _dartWeights, null);
            for (var i = 0; i < probabilities.Length; i++)
            {
                probabilities[i] = _ensemble.Probability(probabilities[i]);
            }

            return;
        }

        var sums = System.Buffers.ArrayPool<double>.Shared.Rent(probabilities.Length);
        try
        {
            var span = sums.AsSpan(0, probabilities.Length);
            _flat.Scores(rows, n, probabilities, span, 0, null, _ensemble.TreeWeightsDouble);
            for (var i = 0; i < probabilities.Length; i++)
            {
                probabilities[i] = _ensemble.Probability((float)(span[i] + _ensemble.BaseMargin));
            }
        }
        finally
        {
            System.Buffers.ArrayPool<double>.Shared.Return(sums);
        }
    }

    private unsafe void PredictParallel(ReadOnlySpan<float> rows, Span<float> probabilities)
    {
        var n = _ensemble.FeatureCount;
        var count = probabilities.Length;
        fixed (float* rowsPtr = rows)
        fixed (float* outPtr = probabilities)
        {
            var r = (nint)rowsPtr;
            var o = (nint)outPtr;
            var chunks = (count + ParallelChunk - 1) / ParallelChunk;
            Parallel.For(0, chunks, c =>
            {
                var start = c * ParallelChunk;
                var length = Math.Min(ParallelChunk, count - start);
                var chunkRows = new ReadOnlySpan<float>((float*)r + ((long)start * n), length * n);
                var chunkOut = new Span<float>((float*)o + start, length);
                PredictRange(chunkRows, chunkOut);
            });
        }
    }
}
