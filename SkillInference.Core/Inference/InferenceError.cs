using SkillInference.Schema;

namespace SkillInference.Inference;

/// <summary>Why one item of a batch was not scored.</summary>
/// <param name="Kind">The kind of failure.</param>
/// <param name="Message">A sentence for humans; never contains feature values or student ids.</param>
/// <param name="FeatureErrors">For <see cref="InferenceErrorKind.InvalidFeatures"/>: each rejected feature.</param>
public sealed record InferenceError(InferenceErrorKind Kind, string Message, IReadOnlyList<FeatureError> FeatureErrors);
