using SkillInference.Inference;

namespace SkillInference.Caching;

/// <summary>
/// Caches inference results by <see cref="InferenceCacheKey"/>. Implementations never throw for a cache failure: a
/// failing layer is skipped, and the request is computed. The service consults <see cref="TryGetLocal"/> first, then
/// <see cref="GetDistributedAsync"/> on a miss.
/// </summary>
public interface IInferenceCache
{
    /// <summary>Whether caching is on at all (false: the service skips hashing student ids).</summary>
    bool Enabled { get; }

    /// <summary>The in-process layer, synchronously.</summary>
    bool TryGetLocal(in InferenceCacheKey key, out InferenceResult? result);

    /// <summary>The shared layer (after a local miss); completes with null within the configured time budget when it is slow or down.</summary>
    ValueTask<InferenceResult?> GetDistributedAsync(InferenceCacheKey key, CancellationToken cancellationToken);

    /// <summary>The shared layer for many keys at once (a batch's misses), in one round trip where possible.</summary>
    ValueTask<IReadOnlyList<InferenceResult?>> GetDistributedManyAsync(IReadOnlyList<InferenceCacheKey> keys, CancellationToken cancellationToken);

    /// <summary>Stores a result in every layer; the shared write happens in the background.</summary>
    void Store(in InferenceCacheKey key, InferenceResult result);

    /// <summary>Stops serving every entry of a student (all skills and versions) on every instance.</summary>
    ValueTask InvalidateStudentAsync(string studentKey, CancellationToken cancellationToken);

    /// <summary>The cache's state, for health checks.</summary>
    CacheStatus Status { get; }
}
