namespace SkillInference.Batch;

/// <summary>
/// One shard of a run: the selected students whose id is in (<see cref="AfterStudentId"/>, <see cref="ThroughStudentId"/>]
/// in ordinal order (a keyset range). Self-contained, so any host can process it (the Cloud Tasks payload).
/// </summary>
/// <param name="RunId">The run.</param>
/// <param name="Shard">The shard's index in the run, from 0.</param>
/// <param name="AfterStudentId">The range's exclusive lower bound; null for the first shard.</param>
/// <param name="ThroughStudentId">The range's inclusive upper bound.</param>
/// <param name="Selection">Which students of the range to score.</param>
public sealed record ShardTask(Guid RunId, int Shard, string? AfterStudentId, string ThroughStudentId, StudentSelection Selection);
