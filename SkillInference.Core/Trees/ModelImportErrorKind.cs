namespace SkillInference.Trees;

/// <summary>Why a model could not be imported.</summary>
public enum ModelImportErrorKind
{
    /// <summary>The file is not a model of the expected format, or is damaged.</summary>
    Malformed,

    /// <summary>The objective is not a binary logistic classifier.</summary>
    UnsupportedObjective,

    /// <summary>The model has more than two classes.</summary>
    MultiClass,

    /// <summary>The model uses categorical splits, which the compiled evaluator does not support.</summary>
    CategoricalSplits,

    /// <summary>The booster (e.g. gblinear) or model type is not a tree ensemble this library evaluates.</summary>
    UnsupportedModel,

    /// <summary>The model's feature count or names disagree with the given schema.</summary>
    SchemaMismatch,
}
