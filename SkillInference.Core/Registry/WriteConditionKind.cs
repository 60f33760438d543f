namespace SkillInference.Registry;

/// <summary>The kinds of <see cref="WriteCondition"/>.</summary>
public enum WriteConditionKind
{
    /// <summary>Unconditional.</summary>
    None,

    /// <summary>Only create.</summary>
    IfNotExists,

    /// <summary>Only replace the given generation.</summary>
    IfGenerationMatch,
}
