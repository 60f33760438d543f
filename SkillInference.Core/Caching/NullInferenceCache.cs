using SkillInference.Inference;

namespace SkillInference.Caching;

/// <summary>No caching (<c>SkillInference:Cache:Kind = None</c>).</summary>
internal sealed class NullInferenceCache : IInferenceCache
{
    public bool Enabled => false;

    public bool HasSharedLayer => false;

    public CacheStatus Status { get; } = new("None", true, "Caching is off.", 0);

    public string StudentKey(string studentId) => studentId;

    public UInt128 FeatureDigest(ReadOnlySpan<float> row) => UInt128.Zero;

    public bool TryGetLocal(in InferenceCacheKey key, out InferenceResult? result)
    {
        result = null;
        return false;
    }

    public ValueTask<IReadOnlyList<InferenceResult?>> GetSharedAsync(IReadOnlyList<InferenceCacheKey> keys, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<InferenceResult?>>(new InferenceResult?[keys.Count]);

    public void Store(in InferenceCacheKey key, InferenceResult result)
    {
    }

    public ValueTask InvalidateStudentAsync(string studentId, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
