namespace SkillInference.Batch;

/// <summary>Where a batch run is.</summary>
internal enum RunStatus
{
    /// <summary>Planned and dispatched; some shards are not stored yet.</summary>
    Running,

    /// <summary>Every shard is stored. Items that failed are in <c>inference_failures</c>; they never fail a run.</summary>
    Succeeded,

    /// <summary>A shard could not be stored, or the run was abandoned (see <see cref="InferenceRun.Error"/>).</summary>
    Failed,
}
