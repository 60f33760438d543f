namespace SkillInference.Batch;

/// <summary>What a dispatcher did with a run's shards.</summary>
public enum DispatchOutcome
{
    /// <summary>Every shard was handled before dispatch returned (in-process): the run is finished.</summary>
    Processed,

    /// <summary>The shards were queued elsewhere (e.g. Cloud Tasks); the run finishes when its last shard is stored.</summary>
    Enqueued,
}
