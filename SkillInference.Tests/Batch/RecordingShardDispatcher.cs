using SkillInference.Batch;

namespace SkillInference.Tests.Batch;

/// <summary>A queue dispatcher that only records the shards (as Cloud Tasks would queue them), so a test can deliver them itself.</summary>
public sealed class RecordingShardDispatcher : IShardDispatcher
{
    public List<ShardTask> Shards { get; } = [];

    public string Name => "recording";

    public Task<DispatchOutcome> DispatchAsync(IReadOnlyList<ShardTask> shards, CancellationToken cancellationToken = default)
    {
        Shards.AddRange(shards);
        return Task.FromResult(DispatchOutcome.Enqueued);
    }
}
