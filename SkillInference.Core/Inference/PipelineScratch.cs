using Microsoft.Extensions.ObjectPool;
using SkillInference.Loading;

namespace SkillInference.Inference;

/// <summary>
/// What one pipeline run works in: its model groups (each with its buffers), taken from a pool and given back when the
/// run ends, so that a warm pipeline allocates almost nothing per call beyond the results.
/// </summary>
internal sealed class PipelineScratch
{
    /// <summary>Scratch that grew beyond this many buffered values is dropped rather than kept in the pool.</summary>
    private const long MaxPooledValues = 4 << 20;

    private readonly List<ModelGroup> _groups = [];

    /// <summary>The groups of the current run.</summary>
    public int Count { get; private set; }

    public ModelGroup this[int index] => _groups[index];

    /// <summary>Reused by the scoring stage: the rows of a group not yet answered.</summary>
    public List<int> Pending { get; } = [];

    /// <summary>The group serving <paramref name="model"/> in this run, started if it is new.</summary>
    public ModelGroup GroupFor(SkillServing serving, LoadedModel model)
    {
        for (var g = 0; g < Count; g++)
        {
            if (ReferenceEquals(_groups[g].Model, model))
            {
                return _groups[g];
            }
        }

        if (Count == _groups.Count)
        {
            _groups.Add(new ModelGroup());
        }

        return _groups[Count++].Reset(serving, model);
    }

    private void Clear() => Count = 0;

    private bool Reusable() => _groups.Sum(g => g.Capacity) <= MaxPooledValues;

    /// <summary>Pools scratch objects, dropping any that grew too large to keep.</summary>
    public sealed class Policy : PooledObjectPolicy<PipelineScratch>
    {
        public override PipelineScratch Create() => new();

        public override bool Return(PipelineScratch obj)
        {
            obj.Clear();
            return obj.Reusable();
        }
    }
}
