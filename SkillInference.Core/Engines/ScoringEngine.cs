namespace SkillInference.Engines;

/// <summary>Which engine scores a bundle whose format has more than one.</summary>
public enum ScoringEngine
{
    /// <summary>The fastest engine available for the format.</summary>
    Auto,

    /// <summary>The library's own runtime (ML.NET's PredictionEngine for <c>mlnet</c> bundles): the reference engine.</summary>
    Reference,

    /// <summary>The compiled flat-array tree-ensemble evaluator.</summary>
    Compiled,
}
