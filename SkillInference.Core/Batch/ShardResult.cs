namespace SkillInference.Batch;

/// <summary>The outcome of handling one shard.</summary>
/// <param name="Task">The shard.</param>
/// <param name="Stats">What it did: students read, predictions, failures, and the time spent reading and scoring.</param>
/// <param name="WriteTime">The time spent storing, commit included.</param>
/// <param name="Inserted">Assessment rows inserted.</param>
/// <param name="Duplicate">The shard had already been stored (a re-delivery); nothing was written again.</param>
/// <param name="CompletedRun">The run, when this shard finished it; else null.</param>
internal sealed record ShardResult(ShardTask Task, ShardStats Stats, TimeSpan WriteTime, int Inserted, bool Duplicate, InferenceRun? CompletedRun);
