namespace SkillInference.Caching;

/// <summary>Where a cache lookup was answered.</summary>
internal enum CacheLayer
{
    /// <summary>Not in the cache.</summary>
    Miss,

    /// <summary>The in-process memory layer.</summary>
    Memory,

    /// <summary>The shared distributed layer (Redis).</summary>
    Distributed,
}
