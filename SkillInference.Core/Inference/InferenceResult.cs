using System.Globalization;

namespace SkillInference.Inference;

/// <summary>A skill score for one student.</summary>
public sealed record InferenceResult
{
    private readonly string? _featureHash;
    private readonly ulong _hash;
    private readonly bool _hashed;

    /// <summary>The skill id.</summary>
    public required string Skill { get; init; }

    /// <summary>The probability that the student is in the "high skill" class, in [0, 1].</summary>
    public required double Score { get; init; }

    /// <summary>
    /// How decisive the prediction is, in [0, 1]: <c>|2p - 1| * (1 - imputedImportance)</c>, where imputedImportance is
    /// the share of the model's gain importance on features that were imputed. See docs/models.md.
    /// </summary>
    public required double Confidence { get; init; }

    /// <summary>The bundle version that produced the score.</summary>
    public required string ModelVersion { get; init; }

    /// <summary><c>deployed</c> when the deployed version served the request, <c>variant</c> when a traffic variant did.</summary>
    public required string Variant { get; init; }

    /// <summary>The five features with the highest global importance, with the values used.</summary>
    public required IReadOnlyList<TopFeature> TopFeatures { get; init; }

    /// <summary>The features that were absent and filled in by their missing-value rule.</summary>
    public required IReadOnlyList<string> ImputedFeatures { get; init; }

    /// <summary>
    /// A stable hash of the prepared features (imputed, ordered, scaled) the model scored: equal inputs to the same model
    /// hash equal; any change of a feature changes it. See <see cref="Inference.FeatureHash"/>.
    /// </summary>
    public string FeatureHash
    {
        get => _featureHash ?? (_hashed ? Inference.FeatureHash.ToHex(_hash) : "");
        init => (_featureHash, _hashed) = (value, false);
    }

    /// <summary>
    /// The hash as the pipeline computed it: kept as a number and spelled out only when <see cref="FeatureHash"/> is read,
    /// so a result nobody serializes costs no string.
    /// </summary>
    internal ulong FeatureHashValue
    {
        get => _hashed ? _hash : ulong.Parse(FeatureHash, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        init => (_featureHash, _hash, _hashed) = (null, value, true);
    }

    /// <summary>Per-feature contributions for this prediction, when the request asked for an explanation.</summary>
    public Explanation? Explanation { get; init; }

    /// <summary>Whether the result came from the cache.</summary>
    public bool Cached { get; init; }
}
