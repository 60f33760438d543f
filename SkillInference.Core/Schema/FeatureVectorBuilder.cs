using System.Globalization;
using SkillInference.Bundles;

namespace SkillInference.Schema;

/// <summary>
/// Turns a caller's feature values into a model input row, as DESIGN.md specifies: validate names and values,
/// impute absent optional features by their rule, order them as the schema does, and scale (in double, then cast to
/// float, as scikit-learn does). Built once per loaded bundle; allocation-free per row.
/// </summary>
internal sealed class FeatureVectorBuilder
{
    private readonly FeatureSpec[] _features;
    private readonly double[] _imputeValues;
    private readonly double[] _mean;
    private readonly double[] _scale;
    private readonly bool _scaled;

    public FeatureVectorBuilder(string skill, FeatureSchema schema, BundleManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(manifest);
        Skill = skill;
        Schema = schema;
        _features = [.. schema.Features];
        var n = _features.Length;
        _imputeValues = new double[n];
        for (var i = 0; i < n; i++)
        {
            var stats = manifest.Statistics.Count == n ? manifest.Statistics[i] : null;
            _imputeValues[i] = _features[i].Missing.Rule switch
            {
                MissingValueStrategy.Median => stats?.Median ?? double.NaN,
                MissingValueStrategy.Mean => stats?.Mean ?? double.NaN,
                MissingValueStrategy.Constant => _features[i].Missing.Value ?? double.NaN,
                _ => double.NaN,
            };
        }

        _scaled = manifest.Scaler is not null;
        _mean = manifest.Scaler?.Mean.ToArray() ?? new double[n];
        _scale = manifest.Scaler?.Scale.ToArray() ?? Enumerable.Repeat(1.0, n).ToArray();
    }

    public string Skill { get; }

    public FeatureSchema Schema { get; }

    public int Count => _features.Length;

    /// <summary>
    /// Prepares one row. Returns false and adds to <paramref name="errors"/> when a feature is unknown (not in this
    /// schema nor in <paramref name="alsoKnown"/>), not finite, out of range, or required and absent.
    /// </summary>
    /// <param name="input">Feature values by name; null or absent means missing.</param>
    /// <param name="row">Receives the model input (scaled, float).</param>
    /// <param name="used">Receives the raw value used for each feature (after imputation; NaN for native missing).</param>
    /// <param name="imputed">Receives whether each feature was imputed.</param>
    /// <param name="errors">Collects errors; created on the first one.</param>
    /// <param name="alsoKnown">Names that are valid in the request although this skill does not use them (scoring several skills at once).</param>
    public bool TryBuild(
        IReadOnlyDictionary<string, double?> input,
        Span<float> row,
        Span<double> used,
        Span<bool> imputed,
        ref List<FeatureError>? errors,
        Func<string, bool>? alsoKnown = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        var ok = true;
        if (input.Count > 0)
        {
            foreach (var name in input.Keys)
            {
                if (!Schema.Contains(name) && (alsoKnown is null || !alsoKnown(name)))
                {
                    (errors ??= []).Add(new FeatureError(name, FeatureErrorCode.Unknown, $"'{Truncate(name)}' is not a feature of skill '{Skill}'"));
                    ok = false;
                }
            }
        }

        var values = new DictionaryValues(input, _features);
        return Build(ref values, row, used, imputed, ref errors) && ok;
    }

    /// <summary>
    /// Prepares one row from values already resolved by name into shared slots (several skills read one student's
    /// features without hashing a name per skill). Unknown names must have been checked by the caller.
    /// </summary>
    /// <param name="slotValues">Values by shared slot.</param>
    /// <param name="slotPresent">Whether each slot has a value (false: absent or null, i.e. missing).</param>
    /// <param name="slots">For each feature of this schema, its shared slot.</param>
    /// <param name="row">Receives the model input (scaled, float).</param>
    /// <param name="used">Receives the raw value used for each feature.</param>
    /// <param name="imputed">Receives whether each feature was imputed.</param>
    /// <param name="errors">Collects errors; created on the first one.</param>
    public bool TryBuild(
        ReadOnlySpan<double> slotValues,
        ReadOnlySpan<bool> slotPresent,
        int[] slots,
        Span<float> row,
        Span<double> used,
        Span<bool> imputed,
        ref List<FeatureError>? errors)
    {
        var values = new SlotValues(slotValues, slotPresent, slots);
        return Build(ref values, row, used, imputed, ref errors);
    }

    /// <summary>
    /// Prepares one row of a columnar block (<see cref="Inference.FeatureRows"/>): feature i of this schema reads column
    /// <c>map[i]</c> of the row (-1: the block has no such column, so the feature is missing). Columns the schema does
    /// not use must have been checked by the caller.
    /// </summary>
    /// <param name="values">The row's values, one per column.</param>
    /// <param name="missing">The row's missing mask, one per column; empty when nothing is missing.</param>
    /// <param name="map">For each feature of this schema, its column, or -1.</param>
    /// <param name="row">Receives the model input (scaled, float).</param>
    /// <param name="used">Receives the raw value used for each feature.</param>
    /// <param name="imputed">Receives whether each feature was imputed.</param>
    /// <param name="errors">Collects errors; created on the first one.</param>
    public bool TryBuildFromColumns(
        ReadOnlySpan<double> values,
        ReadOnlySpan<bool> missing,
        ReadOnlySpan<int> map,
        Span<float> row,
        Span<double> used,
        Span<bool> imputed,
        ref List<FeatureError>? errors)
    {
        var columns = new ColumnValues(values, missing, map);
        return Build(ref columns, row, used, imputed, ref errors);
    }

    private bool Build<TValues>(scoped ref TValues values, Span<float> row, Span<double> used, Span<bool> imputed, ref List<FeatureError>? errors)
        where TValues : IFeatureValues, allows ref struct
    {
        var ok = true;
        for (var i = 0; i < _features.Length; i++)
        {
            var spec = _features[i];
            double value;
            if (values.TryGet(i, out var v))
            {
                if (!double.IsFinite(v))
                {
                    (errors ??= []).Add(new FeatureError(spec.Name, FeatureErrorCode.NotFinite, $"'{spec.Name}' must be a finite number (NaN and infinity are not accepted; send null or omit it for missing)"));
                    ok = false;
                    continue;
                }

                if (v < spec.Min || v > spec.Max)
                {
                    (errors ??= []).Add(new FeatureError(spec.Name, FeatureErrorCode.OutOfRange, $"'{spec.Name}' is outside its valid range [{Format(spec.Min)}, {Format(spec.Max)}]"));
                    ok = false;
                    continue;
                }

                value = v;
                imputed[i] = false;
            }
            else if (spec.Required)
            {
                (errors ??= []).Add(new FeatureError(spec.Name, FeatureErrorCode.Missing, $"'{spec.Name}' is required"));
                ok = false;
                continue;
            }
            else
            {
                value = _imputeValues[i];
                imputed[i] = true;
            }

            used[i] = value;
            row[i] = _scaled ? (float)((value - _mean[i]) / _scale[i]) : (float)value;
        }

        return ok;
    }

    /// <summary>Where <see cref="Build"/> reads the supplied value of schema feature i.</summary>
    private interface IFeatureValues
    {
        bool TryGet(int feature, out double value);
    }

    private readonly struct DictionaryValues(IReadOnlyDictionary<string, double?> input, FeatureSpec[] features) : IFeatureValues
    {
        public bool TryGet(int feature, out double value)
        {
            if (input.TryGetValue(features[feature].Name, out var supplied) && supplied is { } v)
            {
                value = v;
                return true;
            }

            value = 0;
            return false;
        }
    }

    private readonly ref struct SlotValues(ReadOnlySpan<double> values, ReadOnlySpan<bool> present, int[] slots) : IFeatureValues
    {
        private readonly ReadOnlySpan<double> _values = values;
        private readonly ReadOnlySpan<bool> _present = present;

        public bool TryGet(int feature, out double value)
        {
            var slot = slots[feature];
            value = _values[slot];
            return _present[slot];
        }
    }

    private readonly ref struct ColumnValues(ReadOnlySpan<double> values, ReadOnlySpan<bool> missing, ReadOnlySpan<int> map) : IFeatureValues
    {
        private readonly ReadOnlySpan<double> _values = values;
        private readonly ReadOnlySpan<bool> _missing = missing;
        private readonly ReadOnlySpan<int> _map = map;

        public bool TryGet(int feature, out double value)
        {
            var column = _map[feature];
            if (column < 0 || (!_missing.IsEmpty && _missing[column]))
            {
                value = 0;
                return false;
            }

            value = _values[column];
            return true;
        }
    }

    private static string Format(double d) => d.ToString("G6", CultureInfo.InvariantCulture);

    private static string Truncate(string name) => name.Length <= 64 ? name : name[..64] + "...";
}
