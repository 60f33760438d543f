using SkillInference.Loading;
using SkillInference.Schema;

namespace SkillInference.Inference;

/// <summary>
/// How a call hands its items to the <see cref="InferencePipeline"/>: each item's skill, student and explanation flag,
/// and how to prepare its features for the model that serves it. The entry points of the service differ only here.
/// </summary>
internal abstract class InferenceItems
{
    /// <summary>The number of items.</summary>
    public abstract int Count { get; }

    /// <summary>An item's skill; null when the item is malformed (then <see cref="Malformed"/> says why).</summary>
    public abstract string? SkillOf(int item);

    /// <summary>An item's student, or null.</summary>
    public abstract string? StudentIdOf(int item);

    /// <summary>Whether an item asks for an explanation.</summary>
    public abstract bool ExplainOf(int item);

    /// <summary>Why a malformed item (no skill) cannot be scored.</summary>
    public virtual InferenceError Malformed(int item) =>
        new(InferenceErrorKind.InvalidFeatures, "The item needs a skill and a features object.", []);

    /// <summary>Called before the items of one model are prepared (e.g. to map columns to the model's features once).</summary>
    public virtual void Bind(LoadedModel model)
    {
    }

    /// <summary>Called once the call's results have been read: items rented for the call go back.</summary>
    public virtual void Release()
    {
    }

    /// <summary>
    /// Prepares an item's model input (validate, impute, order, scale). False, with every error collected, when the
    /// features are invalid; nothing is thrown.
    /// </summary>
    public abstract bool TryPrepare(int item, LoadedModel model, Span<float> row, Span<double> used, Span<bool> imputed, ref List<FeatureError>? errors);
}
