namespace SkillInference.Batch;

/// <summary>Sends a run's shards to be handled: in this process (the default) or through a queue such as Cloud Tasks.</summary>
public interface IShardDispatcher
{
    /// <summary>A short name stored with each run (e.g. <c>in-process</c>).</summary>
    string Name { get; }

    /// <summary>
    /// Dispatches the shards. Dispatching the same shard twice must not make it stored twice (handlers are idempotent;
    /// queue dispatchers also deduplicate by a task name per run and shard).
    /// </summary>
    Task<DispatchOutcome> DispatchAsync(IReadOnlyList<ShardTask> shards, CancellationToken cancellationToken = default);
}
