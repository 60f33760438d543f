using SkillInference.Loading;

namespace SkillInference.Monitoring;

/// <summary>
/// Sees every model group the pipeline scored, once per group and after its results are written: monitoring's drift
/// and latency counters and a rollout's per-variant guards are observers. Called on the request path, so an observer
/// must be cheap (counters and histograms, no I/O, no locks held long) and must not throw; it never receives student
/// ids, and must not keep the feature values it is shown beyond aggregating them.
/// </summary>
internal interface IInferenceObserver
{
    void OnScored(in ScoredGroup group);
}

/// <summary>
/// One model group of one pipeline call: the model and the variant that served it, the rows the model scored (prepared:
/// imputed, ordered as the model's features, scaled; <see cref="FeatureCount"/> floats each) with their probabilities
/// (NaN where the model failed for a row), and the items answered from the cache, refused as invalid, or failed.
/// </summary>
internal readonly ref struct ScoredGroup
{
    public ScoredGroup(LoadedModel model, string variant, bool isCandidate, ReadOnlySpan<float> rows, ReadOnlySpan<float> probabilities, int cached, int invalid, int failures, TimeSpan elapsed)
    {
        Model = model;
        Variant = variant;
        IsCandidate = isCandidate;
        Rows = rows;
        Probabilities = probabilities;
        Cached = cached;
        Invalid = invalid;
        Failures = failures;
        Elapsed = elapsed;
    }

    /// <summary>The model that served the group (its skill, version, feature names and bundle statistics).</summary>
    public LoadedModel Model { get; }

    /// <summary>The variant's name as metrics tag it (the deployed version is <c>stable</c>).</summary>
    public string Variant { get; }

    /// <summary>True when the group was served by a variant other than the deployed version.</summary>
    public bool IsCandidate { get; }

    /// <summary>The rows scored by the model in this call, row-major.</summary>
    public ReadOnlySpan<float> Rows { get; }

    /// <summary>One probability per scored row; NaN where the model failed for that row.</summary>
    public ReadOnlySpan<float> Probabilities { get; }

    public int FeatureCount => Model.Names.Length;

    /// <summary>Items answered from the cache (not in <see cref="Rows"/>).</summary>
    public int Cached { get; }

    /// <summary>Items refused with invalid features.</summary>
    public int Invalid { get; }

    /// <summary>Rows the model failed to score (their probability is NaN).</summary>
    public int Failures { get; }

    /// <summary>Time from the start of the pipeline call to the end of this group's scoring.</summary>
    public TimeSpan Elapsed { get; }
}
