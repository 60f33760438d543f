using SkillInference.Loading;

namespace SkillInference.Inference;

/// <summary>
/// What the pipeline produces for each item, in columns: an error, or the model that scored it with its score,
/// confidence, feature hash, the values used for its top features and which features were imputed; or a whole result
/// object (a cache hit, or one materialized for the cache or for an object-returning call). Results are built from the
/// columns only when asked for (<see cref="ToResult"/>), so bulk callers allocate nothing per row.
/// </summary>
internal sealed class ScoreBuffer
{
    private ModelFacts?[] _models = [];
    private bool[] _variant = [];
    private bool[] _cached = [];
    private double[] _scores = [];
    private double[] _confidences = [];
    private ulong[] _hashes = [];
    private InferenceError?[] _errors = [];
    private InferenceResult?[] _results = [];
    private Explanation?[]? _explanations;
    private double[] _topValues = [];
    private bool[] _imputed = [];

    /// <summary>The number of items.</summary>
    public int Count { get; private set; }

    /// <summary>The stride of the imputed flags: the most features any model of the run has.</summary>
    public int Width { get; private set; }

    /// <summary>Makes room for <paramref name="count"/> items of at most <paramref name="width"/> features, all unset.</summary>
    public void Reset(int count, int width)
    {
        Count = count;
        Width = Math.Max(1, width);
        if (_models.Length < count)
        {
            var capacity = Math.Max(count, _models.Length * 2);
            _models = new ModelFacts?[capacity];
            _variant = new bool[capacity];
            _cached = new bool[capacity];
            _scores = new double[capacity];
            _confidences = new double[capacity];
            _hashes = new ulong[capacity];
            _errors = new InferenceError?[capacity];
            _results = new InferenceResult?[capacity];
        }
        else
        {
            Array.Clear(_models, 0, count);
            Array.Clear(_cached, 0, count);
            Array.Clear(_errors, 0, count);
            Array.Clear(_results, 0, count);
        }

        _explanations = null;
        if (_topValues.Length < count * LoadedModel.TopFeatureCount)
        {
            _topValues = new double[Math.Max(count, _models.Length) * LoadedModel.TopFeatureCount];
        }

        if (_imputed.Length < count * Width)
        {
            _imputed = new bool[Math.Max(count, _models.Length) * Width];
        }
    }

    public void SetError(int item, InferenceError error) => _errors[item] = error;

    public void SetResult(int item, InferenceResult result) => _results[item] = result;

    /// <summary>Records a computed score; <paramref name="used"/> and <paramref name="imputed"/> are per feature of the model.</summary>
    public void SetScore(int item, ModelFacts model, bool variant, double score, double confidence, ulong hash, ReadOnlySpan<double> used, ReadOnlySpan<bool> imputed)
    {
        _models[item] = model;
        _variant[item] = variant;
        _scores[item] = score;
        _confidences[item] = confidence;
        _hashes[item] = hash;
        var top = model.TopIndices;
        var values = _topValues.AsSpan(item * LoadedModel.TopFeatureCount, LoadedModel.TopFeatureCount);
        values.Fill(double.NaN);
        for (var t = 0; t < top.Length; t++)
        {
            values[t] = used[top[t]];
        }

        imputed.CopyTo(_imputed.AsSpan(item * Width, imputed.Length));
    }

    /// <summary>
    /// Records a score answered from the in-process cache, in columns: the top features' values and the imputed flags
    /// as they were when it was computed (<paramref name="imputed"/> bit i: feature i, for models of up to 64
    /// features; <paramref name="imputedWide"/> for larger ones).
    /// </summary>
    public void SetCachedScore(int item, ModelFacts model, bool variant, double score, double confidence, ulong hash, ReadOnlySpan<double> topValues, ulong imputed, bool[]? imputedWide, Explanation? explanation)
    {
        _models[item] = model;
        _variant[item] = variant;
        _cached[item] = true;
        _scores[item] = score;
        _confidences[item] = confidence;
        _hashes[item] = hash;
        topValues.CopyTo(_topValues.AsSpan(item * LoadedModel.TopFeatureCount, LoadedModel.TopFeatureCount));
        var flags = _imputed.AsSpan(item * Width, model.Names.Length);
        if (imputedWide is not null)
        {
            imputedWide.CopyTo(flags);
        }
        else
        {
            for (var i = 0; i < flags.Length; i++)
            {
                flags[i] = (imputed & (1UL << i)) != 0;
            }
        }

        if (explanation is not null)
        {
            SetExplanation(item, explanation);
        }
    }

    public void SetExplanation(int item, Explanation explanation) => (_explanations ??= new Explanation?[Count])[item] = explanation;

    /// <summary>Whether a computed (or cache-answered) item was scored by a traffic variant.</summary>
    public bool IsVariant(int item) => _variant[item];

    /// <summary>The top features' raw values of a computed item (NaN: missing or no such feature).</summary>
    public ReadOnlySpan<double> TopValues(int item) => _topValues.AsSpan(item * LoadedModel.TopFeatureCount, LoadedModel.TopFeatureCount);

    /// <summary>The imputed flags of a computed item, one per feature of its model.</summary>
    public ReadOnlySpan<bool> ImputedFlags(int item) => _imputed.AsSpan(item * Width, _models[item]!.Names.Length);

    /// <summary>The score, confidence and feature hash of a computed item, from its columns.</summary>
    public (double Score, double Confidence, ulong Hash) Scored(int item) => (_scores[item], _confidences[item], _hashes[item]);

    public InferenceError? ErrorOf(int item) => _errors[item];

    /// <summary>The result object already held for an item (a cache hit or a materialized result), if any.</summary>
    public InferenceResult? HeldResult(int item) => _results[item];

    public ModelFacts? ModelOf(int item) => _models[item];

    public double ScoreOf(int item) => _results[item]?.Score ?? _scores[item];

    public double ConfidenceOf(int item) => _results[item]?.Confidence ?? _confidences[item];

    public string ModelVersionOf(int item) => _results[item]?.ModelVersion ?? _models[item]!.Version;

    public string VariantOf(int item) => _results[item]?.Variant ?? (_variant[item] ? Inference.Variant.Candidate : Inference.Variant.Deployed);

    public bool IsCached(int item) => _results[item]?.Cached ?? _cached[item];

    public Explanation? ExplanationOf(int item) => _results[item]?.Explanation ?? _explanations?[item];

    /// <summary>The feature hash of a scored item, as a number (see <see cref="FeatureHash"/>).</summary>
    public ulong HashOf(int item) => _results[item] is { } r ? r.FeatureHashValue : _hashes[item];

    /// <summary>Whether feature <paramref name="feature"/> (of the scoring model) was imputed for a computed item.</summary>
    public bool IsImputed(int item, int feature) => _imputed[(item * Width) + feature];

    /// <summary>The raw value used for the model's t-th top feature of a computed item (NaN: missing, passed to the trees).</summary>
    public double TopValue(int item, int t) => _topValues[(item * LoadedModel.TopFeatureCount) + t];

    /// <summary>The item's result, built from the columns on first use.</summary>
    public InferenceResult ToResult(int item)
    {
        if (_results[item] is { } held)
        {
            return held;
        }

        var model = _models[item] ?? throw new InvalidOperationException("The item was not scored.");
        var imputed = _imputed.AsSpan(item * Width, model.Names.Length);
        var top = new TopFeatureList(model, TopValues(item), imputed);
        List<string>? imputedNames = null;
        for (var i = 0; i < imputed.Length; i++)
        {
            if (imputed[i])
            {
                (imputedNames ??= []).Add(model.Names[i]);
            }
        }

        var result = new InferenceResult
        {
            Skill = model.Skill,
            Score = _scores[item],
            Confidence = _confidences[item],
            ModelVersion = model.Version,
            Variant = _variant[item] ? Inference.Variant.Candidate : Inference.Variant.Deployed,
            TopFeatures = top,
            ImputedFeatures = (IReadOnlyList<string>?)imputedNames ?? [],
            FeatureHashValue = _hashes[item],
            Explanation = _explanations?[item],
            Cached = _cached[item],
        };
        _results[item] = result;
        return result;
    }

    /// <summary>The outcome of an item (materializing its result).</summary>
    public InferenceOutcome ToOutcome(int item) =>
        _errors[item] is { } error ? InferenceOutcome.Failure(error) : InferenceOutcome.Success(ToResult(item));
}
