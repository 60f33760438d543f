namespace SkillInference.Batch;

/// <summary>Why a batch run could not start or finish.</summary>
internal enum BatchRunErrorKind
{
    /// <summary>Another run is in progress (and not yet abandoned).</summary>
    AlreadyRunning,

    /// <summary>Not every deployed skill has a model loaded; a run now would leave skills unscored.</summary>
    ModelsNotReady,

    /// <summary>A shard could not be stored after its attempts; the run is marked failed.</summary>
    ShardFailed,
}
