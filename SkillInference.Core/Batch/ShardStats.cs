namespace SkillInference.Batch;

/// <summary>What one shard did, stored with the shard and summed into its run.</summary>
/// <param name="Students">Students read.</param>
/// <param name="Predictions">Skill scores produced.</param>
/// <param name="Failures">(student, skill) items recorded as failed.</param>
/// <param name="ReadTime">Time spent reading features (the shard's read and the re-reads for retries).</param>
/// <param name="ScoreTime">Time spent scoring.</param>
/// <param name="CompletedAt">When scoring finished and the write began. The store records its own write time beside these.</param>
internal sealed record ShardStats(int Students, int Predictions, int Failures, TimeSpan ReadTime, TimeSpan ScoreTime, DateTimeOffset CompletedAt);
