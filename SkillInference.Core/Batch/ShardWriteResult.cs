namespace SkillInference.Batch;

/// <summary>What storing a shard did.</summary>
/// <param name="Inserted">Assessment rows inserted (rows already present are not written again).</param>
/// <param name="AlreadyCompleted">The shard had been stored before (a re-delivery): its recorded stats were kept.</param>
/// <param name="CompletedRun">The run, when this shard was its last one and the run is now finished; else null.</param>
internal sealed record ShardWriteResult(int Inserted, bool AlreadyCompleted, InferenceRun? CompletedRun);
