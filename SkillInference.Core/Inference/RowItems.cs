using System.Collections.Frozen;
using SkillInference.Loading;
using SkillInference.Schema;

namespace SkillInference.Inference;

/// <summary>
/// Columnar rows (<see cref="FeatureRows"/>) scored on one skill, or on every skill served (item <c>s * rows + r</c> is
/// row r on skill s). Columns are mapped to each model's features once per model; a row is then prepared by index, with
/// no dictionary. A column the scope does not use (the skill's schema, or for every skill the features of any served
/// model) is an error for each row that has a value in it.
/// </summary>
internal sealed class RowItems : InferenceItems
{
    private readonly FeatureRows _rows;
    private readonly string? _skill;
    private readonly ServingSnapshot _snapshot;
    private readonly bool _explain;
    private readonly FrozenDictionary<string, int> _columns;
    private int[] _map = [];
    private int[] _unknownColumns = [];

    public RowItems(ServingSnapshot snapshot, FeatureRows rows, string? skill, bool explain)
    {
        _snapshot = snapshot;
        _rows = rows;
        _skill = skill;
        _explain = explain;
        _columns = rows.FeatureNames.Select((name, column) => KeyValuePair.Create(name, column)).ToFrozenDictionary(StringComparer.Ordinal);
        if (skill is null)
        {
            // Every skill's scope is the union of served features: the unknown columns are the same for all models.
            _unknownColumns = [.. Enumerable.Range(0, rows.Width).Where(c => !snapshot.FeatureSlots.ContainsKey(rows.FeatureNames[c]))];
        }
    }

    /// <summary>The number of skills scored per row.</summary>
    public int Skills => _skill is null ? _snapshot.Ordered.Length : 1;

    public override int Count => _rows.Count * Skills;

    public override string? SkillOf(int item) => _skill ?? _snapshot.Ordered[item / Math.Max(1, _rows.Count)].Skill;

    public override string? StudentIdOf(int item) => _rows.StudentIdOf(item % _rows.Count);

    public override bool ExplainOf(int item) => _explain;

    public override void Bind(LoadedModel model)
    {
        var map = new int[model.Names.Length];
        for (var i = 0; i < map.Length; i++)
        {
            map[i] = _columns.TryGetValue(model.Names[i], out var column) ? column : -1;
        }

        _map = map;
        if (_skill is not null)
        {
            _unknownColumns = [.. Enumerable.Range(0, _rows.Width).Where(c => !model.Builder.Schema.Contains(_rows.FeatureNames[c]))];
        }
    }

    public override bool TryPrepare(int item, LoadedModel model, Span<float> row, Span<double> used, Span<bool> imputed, ref List<FeatureError>? errors)
    {
        var r = item % _rows.Count;
        var values = _rows.Row(r);
        var missing = _rows.MissingOf(r);
        var ok = true;
        foreach (var column in _unknownColumns)
        {
            if (missing.IsEmpty || !missing[column])
            {
                var name = _rows.FeatureNames[column];
                var message = _skill is null
                    ? $"'{Truncate(name)}' is not a feature of any deployed skill"
                    : $"'{Truncate(name)}' is not a feature of skill '{_skill}'";
                (errors ??= []).Add(new FeatureError(name, FeatureErrorCode.Unknown, message));
                ok = false;
            }
        }

        return model.Builder.TryBuildFromColumns(values, missing, _map, row, used, imputed, ref errors) && ok;
    }

    private static string Truncate(string name) => name.Length <= 64 ? name : name[..64] + "...";
}
