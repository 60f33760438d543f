namespace SkillInference.Caching;

/// <summary>The cache's state, for health checks.</summary>
/// <param name="Kind"><c>None</c>, <c>Memory</c> or <c>Redis</c>.</param>
/// <param name="Healthy">Whether every layer works (Redis reachable and the breaker closed).</param>
/// <param name="Description">A sentence: e.g. "Redis unreachable since 10:02:11; serving from memory and computation".</param>
/// <param name="MemoryEntries">Entries in the memory layer.</param>
public sealed record CacheStatus(string Kind, bool Healthy, string Description, long MemoryEntries);
