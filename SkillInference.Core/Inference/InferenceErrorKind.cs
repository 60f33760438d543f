namespace SkillInference.Inference;

/// <summary>Why a prediction could not be made.</summary>
public enum InferenceErrorKind
{
    /// <summary>No bundle of that skill is deployed.</summary>
    UnknownSkill,

    /// <summary>The skill is deployed but its model is not loaded (yet); retry later.</summary>
    ModelNotLoaded,

    /// <summary>The features violate the skill's schema.</summary>
    InvalidFeatures,

    /// <summary>An explanation was asked for, but the serving model cannot give one (e.g. it has no tree covers).</summary>
    ExplanationUnavailable,

    /// <summary>The model failed to score the item (its engine failed, or it returned no probability).</summary>
    ModelFailure,
}
