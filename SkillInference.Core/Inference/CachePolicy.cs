namespace SkillInference.Inference;

/// <summary>How a scoring call uses the result cache. Items without a student id are never cached.</summary>
public enum CachePolicy
{
    /// <summary>Answer from the cache when it holds the score, and cache what is computed (the default for requests).</summary>
    ReadWrite,

    /// <summary>Always compute, and cache what is computed (e.g. to warm the cache).</summary>
    WriteOnly,

    /// <summary>Always compute and cache nothing (the default for bulk rows: batch runs, files).</summary>
    Bypass,
}
