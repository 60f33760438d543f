namespace SkillInference.Host.Contracts.V1;

/// <summary>What storing a shard did.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Shard">The shard.</param>
/// <param name="Duplicate">The shard had been stored before (a re-delivery); nothing was written.</param>
/// <param name="Students">Students read.</param>
/// <param name="Predictions">Skill scores produced.</param>
/// <param name="Failures">Items recorded in <c>inference_failures</c>.</param>
/// <param name="Inserted">Assessment rows inserted.</param>
/// <param name="RunCompleted">This shard was the run's last: the run is finished.</param>
public sealed record ShardTaskResponse(Guid RunId, int Shard, bool Duplicate, int Students, int Predictions, int Failures, int Inserted, bool RunCompleted);
