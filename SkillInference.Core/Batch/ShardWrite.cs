namespace SkillInference.Batch;

/// <summary>Everything one shard stores, in one transaction.</summary>
/// <param name="Task">The shard.</param>
/// <param name="Assessments">The scores to upsert.</param>
/// <param name="Failures">The items that failed after their retries.</param>
/// <param name="Stats">What the shard did.</param>
internal sealed record ShardWrite(ShardTask Task, AssessmentBlock Assessments, IReadOnlyList<InferenceFailure> Failures, ShardStats Stats);
