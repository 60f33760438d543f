using System.Collections;
using System.Runtime.CompilerServices;
using SkillInference.Loading;

namespace SkillInference.Inference;

/// <summary>
/// A result's top features as one small object: the model's facts (names and importances), the values used and the
/// imputed flags; each <see cref="TopFeature"/> is made when read. A result built from the pipeline's columns carries
/// this instead of an array and five records, which is most of what materializing a result used to allocate.
/// </summary>
internal sealed class TopFeatureList : IReadOnlyList<TopFeature>
{
    private readonly ModelFacts _model;
    private readonly Values _values;
    private readonly uint _imputed;

    public TopFeatureList(ModelFacts model, ReadOnlySpan<double> values, ReadOnlySpan<bool> imputed)
    {
        _model = model;
        var top = model.TopIndices;
        for (var t = 0; t < top.Length; t++)
        {
            _values[t] = values[t];
            _imputed |= imputed[top[t]] ? 1u << t : 0;
        }
    }

    public int Count => _model.TopIndices.Length;

    public TopFeature this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            var feature = _model.TopIndices[index];
            var value = _values[index];
            return new TopFeature(_model.Names[feature], _model.Importance[feature], double.IsNaN(value) ? null : value, (_imputed & (1u << index)) != 0);
        }
    }

    public IEnumerator<TopFeature> GetEnumerator()
    {
        for (var t = 0; t < Count; t++)
        {
            yield return this[t];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    [InlineArray(LoadedModel.TopFeatureCount)]
    private struct Values
    {
        private double _value;
    }
}
