using SkillInference.Inference;

namespace SkillInference.Caching;

/// <summary>
/// Caches inference results by <see cref="InferenceCacheKey"/>. Implementations never throw for a cache failure: a
/// failing layer is skipped, and the item is computed. The pipeline consults <see cref="TryGetLocal"/> first, then,
/// for the misses of a call together, <see cref="GetSharedAsync"/> when there is a shared layer.
/// </summary>
public interface IInferenceCache
{
    /// <summary>Whether caching is on at all (false: the pipeline never keys items).</summary>
    bool Enabled { get; }

    /// <summary>Whether there is a shared layer (e.g. Redis) to ask after an in-process miss.</summary>
    bool HasSharedLayer { get; }

    /// <summary>
    /// The key this cache files a student under. A cache whose entries leave the process must return a keyed hash, never
    /// the raw id; an in-process cache may use the id itself.
    /// </summary>
    string StudentKey(string studentId);

    /// <summary>
    /// The keyed digest a prepared feature row is filed under (HMAC, so that rows cannot be made to collide, nor be
    /// read back, without the cache's key). A hit is served only when the entry's stored digest equals this one.
    /// </summary>
    UInt128 FeatureDigest(ReadOnlySpan<float> row);

    /// <summary>The in-process layer, synchronously.</summary>
    bool TryGetLocal(in InferenceCacheKey key, out InferenceResult? result);

    /// <summary>
    /// The shared layer for many keys at once (a call's in-process misses), in one round trip where possible; an entry
    /// is null where the layer has nothing, and every entry is null when the layer is slow or down.
    /// </summary>
    ValueTask<IReadOnlyList<InferenceResult?>> GetSharedAsync(IReadOnlyList<InferenceCacheKey> keys, CancellationToken cancellationToken);

    /// <summary>Stores a computed result in every layer; a shared write happens in the background.</summary>
    void Store(in InferenceCacheKey key, InferenceResult result);

    /// <summary>Stops serving every entry of a student (all skills and versions) on every instance sharing the cache.</summary>
    ValueTask InvalidateStudentAsync(string studentId, CancellationToken cancellationToken);

    /// <summary>The cache's state, for health checks and metrics.</summary>
    CacheStatus Status { get; }
}
