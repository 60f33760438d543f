using SkillInference.Engines;

namespace SkillInference.Trees;

/// <summary>Scores and explains with a compiled <see cref="TreeEnsemble"/>: the fast path for XGBoost and FastTree bundles.</summary>
internal sealed class CompiledTreeModel : IScoringModel, IExplainableModel
{
    private readonly TreeEnsemble _ensemble;
    private readonly Lazy<TreeShap>? _shap;

    public CompiledTreeModel(TreeEnsemble ensemble)
    {
        _ensemble = ensemble;
        _shap = ensemble.Cover is null ? null : new Lazy<TreeShap>(() => new TreeShap(ensemble));
    }

    public string Engine => "compiled-trees";

    public int FeatureCount => _ensemble.FeatureCount;

    public bool CanExplain => _shap is not null;

    internal TreeEnsemble Ensemble => _ensemble;

    public float Predict(ReadOnlySpan<float> features)
    {
        if (features.Length != _ensemble.FeatureCount)
        {
            throw new ArgumentException($"Expected {_ensemble.FeatureCount} features, got {features.Length}.", nameof(features));
        }

        return _ensemble.Predict(features);
    }

    public void PredictBatch(ReadOnlySpan<float> rows, Span<float> probabilities)
    {
        var n = _ensemble.FeatureCount;
        if (rows.Length != probabilities.Length * n)
        {
            throw new ArgumentException($"Expected {probabilities.Length} rows of {n} features.", nameof(rows));
        }

        for (var i = 0; i < probabilities.Length; i++)
        {
            probabilities[i] = _ensemble.Predict(rows.Slice(i * n, n));
        }
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
}
