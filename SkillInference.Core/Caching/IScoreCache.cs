using SkillInference.Inference;

namespace SkillInference.Caching;

/// <summary>
/// The pipeline's way into a cache without result objects: a hit is written straight into the run's columns, and a
/// computed item is stored from them. <see cref="MemoryInferenceCache"/> keeps such entries as plain values (no object
/// per entry for the garbage collector to trace), and a layered cache stores in its memory layer the same way. A cache
/// that does not implement it is used through <see cref="IInferenceCache"/>'s result objects.
/// </summary>
internal interface IScoreCache
{
    /// <summary>
    /// Looks the key up in the in-process layer; on a hit usable for the item (with an explanation when
    /// <paramref name="explain"/>), writes it into <paramref name="buffer"/> at <paramref name="item"/> and returns true.
    /// </summary>
    bool TryGetLocal(in InferenceCacheKey key, ScoreBuffer buffer, int item, bool explain);

    /// <summary>Stores a computed item of <paramref name="buffer"/> in every layer.</summary>
    void Store(in InferenceCacheKey key, ScoreBuffer buffer, int item);
}
