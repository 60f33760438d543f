using SkillInference.Inference;
using SkillInference.Loading;

namespace SkillInference.Routing;

/// <summary>
/// Picks the model that serves a request. Without variants, the deployed version. With variants, a student is
/// assigned by a stable hash of (skill, student id) to a point in [0, 1) and so always lands on the same variant
/// while the weights stay the same; requests without a student id go to the deployed version.
/// </summary>
internal static class TrafficRouter
{
    public static LoadedModel Choose(SkillServing serving, string? studentId)
    {
        if (serving.Variants.Count == 0 || string.IsNullOrEmpty(studentId) || serving.TotalWeight <= 0)
        {
            return serving.Deployed;
        }

        var point = BucketPoint(serving.Skill, studentId) * serving.TotalWeight;
        var cumulative = 0.0;
        foreach (var (model, weight) in serving.Variants)
        {
            cumulative += weight;
            if (point < cumulative)
            {
                return model;
            }
        }

        return serving.Variants[^1].Model;
    }

    /// <summary>A stable point in [0, 1) for a (skill, student) pair: FNV-1a 64 of both, independent of process and platform.</summary>
    public static double BucketPoint(string skill, string studentId)
    {
        const ulong offset = 14695981039346656037UL;
        const ulong prime = 1099511628211UL;
        var hash = offset;
        foreach (var c in skill)
        {
            hash = (hash ^ c) * prime;
        }

        hash = (hash ^ ':') * prime;
        foreach (var c in studentId)
        {
            hash = (hash ^ c) * prime;
        }

        // Final avalanche (splitmix64) so nearby ids spread evenly.
        hash ^= hash >> 30;
        hash *= 0xbf58476d1ce4e5b9UL;
        hash ^= hash >> 27;
        hash *= 0x94d049bb133111ebUL;
        hash ^= hash >> 31;
        return (hash >> 11) * (1.0 / (1UL << 53));
    }
}
