using System.Collections;
using System.Globalization;
using SkillInference.Loading;

namespace SkillInference.Inference;

/// <summary>
/// The scores of one skill for every row of a bulk call (<see cref="ISkillInferenceService.InferRowsAsync"/>), kept in
/// columns: read a row's score, confidence, version, imputed and top features without any object per row, or ask for
/// a whole <see cref="InferenceResult"/> with <see cref="ToResult"/>. A row either succeeded or has an error.
/// </summary>
public sealed class RowScores
{
    private readonly ScoreBuffer _buffer;
    private readonly int _offset;

    internal RowScores(string skill, ScoreBuffer buffer, int offset, int count)
    {
        Skill = skill;
        _buffer = buffer;
        _offset = offset;
        Count = count;
    }

    /// <summary>The skill scored.</summary>
    public string Skill { get; }

    /// <summary>The number of rows.</summary>
    public int Count { get; }

    /// <summary>How many rows failed.</summary>
    public int FailedCount
    {
        get
        {
            var failed = 0;
            for (var r = 0; r < Count; r++)
            {
                if (_buffer.ErrorOf(_offset + r) is not null)
                {
                    failed++;
                }
            }

            return failed;
        }
    }

    /// <summary>Whether a row was scored.</summary>
    public bool IsSuccess(int row) => ErrorOf(row) is null;

    /// <summary>Why a row was not scored; null when it was.</summary>
    public InferenceError? ErrorOf(int row) => _buffer.ErrorOf(Item(row));

    /// <summary>The probability of the "high skill" class.</summary>
    public double ScoreOf(int row) => _buffer.ScoreOf(Scored(row));

    /// <summary>The confidence (see <see cref="InferenceResult.Confidence"/>).</summary>
    public double ConfidenceOf(int row) => _buffer.ConfidenceOf(Scored(row));

    /// <summary>The version that scored the row.</summary>
    public string ModelVersionOf(int row) => _buffer.ModelVersionOf(Scored(row));

    /// <summary><c>deployed</c> or <c>variant</c>.</summary>
    public string VariantOf(int row) => _buffer.VariantOf(Scored(row));

    /// <summary>The hash of the row's prepared features, as 16 hex digits (see <see cref="FeatureHash"/>).</summary>
    public string FeatureHashOf(int row) => _buffer.HeldResult(Scored(row)) is { } held ? held.FeatureHash : FeatureHash.ToHex(_buffer.HashOf(Item(row)));

    /// <summary>Whether the row was answered from the cache.</summary>
    public bool IsCached(int row) => _buffer.IsCached(Scored(row));

    /// <summary>The row's explanation, when one was asked for.</summary>
    public Explanation? ExplanationOf(int row) => _buffer.ExplanationOf(Scored(row));

    /// <summary>The features that were absent and filled in by their rule.</summary>
    public RowFeatureNames ImputedFeaturesOf(int row)
    {
        var item = Scored(row);
        return _buffer.HeldResult(item) is { } held ? new RowFeatureNames(held.ImputedFeatures) : new RowFeatureNames(_buffer, item);
    }

    /// <summary>The model's most important features, with the values this row used.</summary>
    public RowTopFeatures TopFeaturesOf(int row)
    {
        var item = Scored(row);
        return _buffer.HeldResult(item) is { } held ? new RowTopFeatures(held.TopFeatures) : new RowTopFeatures(_buffer, item);
    }

    /// <summary>The row as a result object (built on first use).</summary>
    /// <exception cref="InvalidOperationException">The row was not scored.</exception>
    public InferenceResult ToResult(int row) => _buffer.ToResult(Scored(row));

    /// <summary>The row as an outcome: a result or an error.</summary>
    public InferenceOutcome ToOutcome(int row) => _buffer.ToOutcome(Item(row));

    /// <summary>
    /// For writers that read the columns themselves: the buffer item of a scored row and the facts of the model that
    /// scored it, or null facts when the row holds a result object instead (a shared-cache hit).
    /// </summary>
    internal (ScoreBuffer Buffer, int Item, ModelFacts? Facts) ColumnsOf(int row)
    {
        var item = Scored(row);
        return (_buffer, item, _buffer.HeldResult(item) is null ? _buffer.ModelOf(item) : null);
    }

    private int Item(int row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Count);
        return _offset + row;
    }

    private int Scored(int row)
    {
        var item = Item(row);
        if (_buffer.ErrorOf(item) is { } error)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Row {row} was not scored ({error.Kind}); read ErrorOf({row})."));
        }

        return item;
    }

    /// <summary>Feature names of one row (e.g. its imputed features), without a list per row.</summary>
    public readonly struct RowFeatureNames : IReadOnlyList<string>
    {
        private readonly IReadOnlyList<string>? _held;
        private readonly ScoreBuffer? _buffer;
        private readonly int _item;
        private readonly int[] _indices;

        internal RowFeatureNames(IReadOnlyList<string> held)
        {
            _held = held;
            _buffer = null;
            _item = 0;
            _indices = [];
        }

        internal RowFeatureNames(ScoreBuffer buffer, int item)
        {
            _held = null;
            _buffer = buffer;
            _item = item;
            var model = buffer.ModelOf(item)!;
            var count = 0;
            for (var i = 0; i < model.Names.Length; i++)
            {
                if (buffer.IsImputed(item, i))
                {
                    count++;
                }
            }

            _indices = count == 0 ? [] : new int[count];
            for (int i = 0, k = 0; k < count; i++)
            {
                if (buffer.IsImputed(item, i))
                {
                    _indices[k++] = i;
                }
            }
        }

        /// <inheritdoc />
        public int Count => _held?.Count ?? _indices.Length;

        /// <inheritdoc />
        public string this[int index] => _held is not null ? _held[index] : _buffer!.ModelOf(_item)!.Names[_indices[index]];

        /// <inheritdoc />
        public IEnumerator<string> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
            {
                yield return this[i];
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>The top features of one row, without objects per row.</summary>
    public readonly struct RowTopFeatures
    {
        private readonly IReadOnlyList<TopFeature>? _held;
        private readonly ScoreBuffer? _buffer;
        private readonly int _item;

        internal RowTopFeatures(IReadOnlyList<TopFeature> held)
        {
            _held = held;
            _buffer = null;
            _item = 0;
        }

        internal RowTopFeatures(ScoreBuffer buffer, int item)
        {
            _held = null;
            _buffer = buffer;
            _item = item;
        }

        /// <summary>The number of top features.</summary>
        public int Count => _held?.Count ?? _buffer!.ModelOf(_item)!.TopIndices.Length;

        /// <summary>The t-th most important feature: its name, its global importance, the value used (null: missing) and whether it was imputed.</summary>
        public (string Name, double Importance, double? Value, bool Imputed) this[int t]
        {
            get
            {
                if (_held is not null)
                {
                    var f = _held[t];
                    return (f.Name, f.Importance, f.Value, f.Imputed);
                }

                var model = _buffer!.ModelOf(_item)!;
                var i = model.TopIndices[t];
                var value = _buffer.TopValue(_item, t);
                return (model.Names[i], model.Importance[i], double.IsNaN(value) ? null : value, _buffer.IsImputed(_item, i));
            }
        }
    }
}
