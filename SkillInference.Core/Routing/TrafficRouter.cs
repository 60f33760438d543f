using SkillInference.Loading;

namespace SkillInference.Routing;

/// <summary>Picks the model that serves a request (the pipeline's routing step; replaceable for tests).</summary>
internal interface ITrafficRouter
{
    LoadedModel Choose(SkillServing serving, string? studentId);
}

/// <summary>
/// The sticky router. Without an experiment, the deployed version. During one, a student is hashed with (skill, student
/// id, experiment id) to a point in [0, 1); a point below a candidate's range end goes to that candidate, the rest to
/// stable. Candidates' ranges start at 0, so as a canary's share grows its range only widens: students move from stable
/// to the candidate, never back. Requests without a student id go to stable.
/// </summary>
internal sealed class TrafficRouter : ITrafficRouter
{
    public static TrafficRouter Instance { get; } = new();

    public LoadedModel Choose(SkillServing serving, string? studentId) => Route(serving, studentId);

    public static LoadedModel Route(SkillServing serving, string? studentId)
    {
        if (serving.Candidates.Count == 0 || string.IsNullOrEmpty(studentId))
        {
            return serving.Deployed;
        }

        var point = BucketPoint(serving.Skill, studentId, serving.ExperimentId);
        foreach (var (model, upper) in serving.Candidates)
        {
            if (point < upper)
            {
                return model;
            }
        }

        return serving.Deployed;
    }

    /// <summary>
    /// A stable point in [0, 1) for (skill, student, experiment): FNV-1a 64 of the three, then a splitmix64 avalanche;
    /// independent of process and platform. Without an experiment id, the (skill, student) point.
    /// </summary>
    public static double BucketPoint(string skill, string studentId, string? experimentId = null)
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

        if (!string.IsNullOrEmpty(experimentId))
        {
            hash = (hash ^ ':') * prime;
            foreach (var c in experimentId)
            {
                hash = (hash ^ c) * prime;
            }
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
