using System.Buffers;
using System.Globalization;
using System.Text.Json;
using SkillInference.Host.Contracts.V1;
using SkillInference.Inference;

namespace SkillInference.Host.Endpoints;

/// <summary>
/// Reads a <c>/infer/batch</c> body (the <see cref="BatchInferRequest"/> contract) straight into columnar rows, one
/// <see cref="FeatureRows"/> per skill and explanation flag, without a dictionary or a name string per item: feature
/// names are interned once per request. Limits are enforced while reading (the item count, features per item, id
/// length, explanations), so an oversized batch is refused before it is held in memory. A body that is not the contract's JSON is
/// one <see cref="BatchFormatException"/> naming the JSON path; an item that is incomplete is an error for that item.
/// </summary>
internal sealed class BatchRequestReader
{
    public const int MaxStudentIdLength = 128;
    public const int MaxFeaturesPerItem = 1_000;

    private readonly int _maxItems;
    private readonly int _maxExplanations;
    private int _explanations;
    private readonly Dictionary<string, int> _columns = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _columnLookup;
    private readonly List<string> _columnNames = [];
    private readonly Dictionary<string, string> _skills = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _skillLookup;
    private readonly List<Item> _items = [];
    private int[] _pairColumn = new int[256];
    private double[] _pairValue = new double[256];
    private int _pairs;
    private char[] _chars = new char[128];

    public BatchRequestReader(int maxItems, int maxExplanations = int.MaxValue)
    {
        _maxItems = maxItems;
        _maxExplanations = maxExplanations;
        _columnLookup = _columns.GetAlternateLookup<ReadOnlySpan<char>>();
        _skillLookup = _skills.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Reads the body.</summary>
    /// <exception cref="BatchFormatException">The body is not valid JSON of the contract's shape, or has no items.</exception>
    /// <exception cref="BatchTooLargeException">The batch has more items than allowed.</exception>
    public BatchRequest Read(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            ReadRoot(ref reader);
        }
        catch (JsonException ex)
        {
            throw new BatchFormatException(Field(ex.Path ?? ""), DescribeSyntax(ex), ex);
        }

        if (_items.Count == 0)
        {
            throw new BatchFormatException("items", "At least one item is required.", detail: "The batch has no items.");
        }

        return Build();
    }

    private void ReadRoot(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType == JsonTokenType.Null)
        {
            throw new BatchFormatException("items", "At least one item is required.", detail: "The batch has no items.");
        }

        Expect(ref reader, JsonTokenType.StartObject, "$");
        var sawItems = false;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("items"u8))
            {
                Once(ref sawItems, "items");
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                {
                    continue;
                }

                Expect(ref reader, JsonTokenType.StartArray, "items");
                while (Next(ref reader) != JsonTokenType.EndArray)
                {
                    if (_items.Count == _maxItems)
                    {
                        throw new BatchTooLargeException(_maxItems);
                    }

                    ReadItem(ref reader, _items.Count);
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (reader.Read())
        {
            throw new BatchFormatException("$", "The request body has content after the JSON object.");
        }
    }

    private void ReadItem(ref Utf8JsonReader reader, int index)
    {
        var item = new Item { PairStart = _pairs };
        if (reader.TokenType == JsonTokenType.Null)
        {
            item.Error = Invalid(new() { [$"items[{index}]"] = ["The item must be an object with 'skill' and 'features'."] });
            _items.Add(item);
            return;
        }

        var path = $"items[{index}]";
        Expect(ref reader, JsonTokenType.StartObject, path);
        bool sawSkill = false, sawFeatures = false, sawStudent = false, sawExplain = false;
        var featuresPresent = false;
        var featureCount = 0;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("skill"u8))
            {
                Once(ref sawSkill, path + ".skill");
                reader.Read();
                item.Skill = reader.TokenType switch
                {
                    JsonTokenType.Null => null,
                    JsonTokenType.String => InternSkill(ref reader),
                    _ => throw Wrong(path + ".skill", "a string"),
                };
            }
            else if (reader.ValueTextEquals("studentId"u8))
            {
                Once(ref sawStudent, path + ".studentId");
                reader.Read();
                item.StudentId = reader.TokenType switch
                {
                    JsonTokenType.Null => null,
                    JsonTokenType.String => new string(Unescape(ref reader)),
                    _ => throw Wrong(path + ".studentId", "a string"),
                };
            }
            else if (reader.ValueTextEquals("explain"u8))
            {
                Once(ref sawExplain, path + ".explain");
                reader.Read();
                item.Explain = reader.TokenType switch
                {
                    JsonTokenType.True => true,
                    JsonTokenType.False => false,
                    _ => throw Wrong(path + ".explain", "true or false"),
                };
                if (item.Explain && ++_explanations > _maxExplanations)
                {
                    throw new BatchFormatException(path + ".explain", $"At most {_maxExplanations} items of one batch may ask for an explanation; send the others without 'explain' or in another batch.", detail: "The batch asks for more explanations than one request may.");
                }
            }
            else if (reader.ValueTextEquals("features"u8))
            {
                Once(ref sawFeatures, path + ".features");
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                {
                    continue;
                }

                Expect(ref reader, JsonTokenType.StartObject, path + ".features");
                featuresPresent = true;
                featureCount = ReadFeatures(ref reader, path);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        item.PairCount = _pairs - item.PairStart;
        Dictionary<string, string[]>? errors = null;
        if (string.IsNullOrWhiteSpace(item.Skill))
        {
            (errors ??= [])[path + ".skill"] = ["'skill' is required (e.g. \"collaboration\")."];
        }

        if (!featuresPresent)
        {
            (errors ??= [])[path + ".features"] = ["'features' is required: an object of feature name to number (null or absent = missing)."];
        }
        else if (featureCount > MaxFeaturesPerItem)
        {
            (errors ??= [])[path + ".features"] = [$"At most {MaxFeaturesPerItem} features may be sent."];
        }

        if (item.StudentId is { Length: > MaxStudentIdLength or 0 })
        {
            (errors ??= [])[path + ".studentId"] = [$"'studentId' must be 1 to {MaxStudentIdLength} characters."];
        }

        if (errors is not null)
        {
            item.Error = Invalid(errors);
            _pairs = item.PairStart;
            item.PairCount = 0;
        }

        _items.Add(item);
    }

    /// <summary>Reads a features object into the shared pairs (column, value; NaN = missing); returns how many there were.</summary>
    private int ReadFeatures(ref Utf8JsonReader reader, string path)
    {
        var count = 0;
        var start = _pairs;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            var column = InternColumn(ref reader);
            reader.Read();
            double value;
            switch (reader.TokenType)
            {
                case JsonTokenType.Number:
                    if (!reader.TryGetDouble(out value) || !double.IsFinite(value))
                    {
                        throw Wrong($"{path}.features.{_columnNames[column]}", "a finite number");
                    }

                    break;
                case JsonTokenType.Null:
                    value = double.NaN;
                    break;
                default:
                    throw Wrong($"{path}.features.{_columnNames[column]}", "a number or null");
            }

            count++;
            if (count > MaxFeaturesPerItem)
            {
                continue; // counted, not kept: the item is refused
            }

            for (var p = start; p < _pairs; p++)
            {
                if (_pairColumn[p] == column)
                {
                    throw new BatchFormatException($"{path}.features.{_columnNames[column]}", $"The JSON body repeats the property at '$.{path}.features.{_columnNames[column]}'.");
                }
            }

            if (_pairs == _pairColumn.Length)
            {
                Array.Resize(ref _pairColumn, _pairs * 2);
                Array.Resize(ref _pairValue, _pairs * 2);
            }

            _pairColumn[_pairs] = column;
            _pairValue[_pairs] = value;
            _pairs++;
        }

        return count;
    }

    /// <summary>Groups the valid items by (skill, explain) into one block of rows each.</summary>
    private BatchRequest Build()
    {
        var groups = new List<BatchGroup>();
        var keys = new Dictionary<(string Skill, bool Explain), int>();
        var itemGroup = new int[_items.Count];
        var itemRow = new int[_items.Count];
        var counts = new List<int>();
        for (var i = 0; i < _items.Count; i++)
        {
            var item = _items[i];
            if (item.Error is not null)
            {
                itemGroup[i] = -1;
                continue;
            }

            if (!keys.TryGetValue((item.Skill!, item.Explain), out var g))
            {
                keys[(item.Skill!, item.Explain)] = g = counts.Count;
                counts.Add(0);
            }

            itemGroup[i] = g;
            itemRow[i] = counts[g]++;
        }

        var local = new int[_columnNames.Count];
        foreach (var ((skill, explain), g) in keys.OrderBy(kv => kv.Value))
        {
            // The group's own columns, in first-seen order.
            Array.Fill(local, -1);
            var names = new List<string>();
            for (var i = 0; i < _items.Count; i++)
            {
                if (itemGroup[i] != g)
                {
                    continue;
                }

                for (var p = _items[i].PairStart; p < _items[i].PairStart + _items[i].PairCount; p++)
                {
                    var c = _pairColumn[p];
                    if (local[c] < 0)
                    {
                        local[c] = names.Count;
                        names.Add(_columnNames[c]);
                    }
                }
            }

            var rows = counts[g];
            var width = names.Count;
            var values = new double[Math.Max(1, rows * width)];
            var missing = new bool[Math.Max(1, rows * width)];
            Array.Fill(missing, true);
            var ids = new string?[rows];
            for (var i = 0; i < _items.Count; i++)
            {
                if (itemGroup[i] != g)
                {
                    continue;
                }

                var item = _items[i];
                var offset = itemRow[i] * width;
                ids[itemRow[i]] = item.StudentId;
                for (var p = item.PairStart; p < item.PairStart + item.PairCount; p++)
                {
                    var c = offset + local[_pairColumn[p]];
                    var v = _pairValue[p];
                    if (!double.IsNaN(v))
                    {
                        values[c] = v;
                        missing[c] = false;
                    }
                }
            }

            groups.Add(new BatchGroup(skill, explain, new FeatureRows(names, rows, values, missing, ids)));
        }

        var errors = new BatchItemError?[_items.Count];
        for (var i = 0; i < _items.Count; i++)
        {
            errors[i] = _items[i].Error;
        }

        return new BatchRequest(_items.Count, groups, itemGroup, itemRow, errors);
    }

    private string InternSkill(ref Utf8JsonReader reader)
    {
        var chars = Unescape(ref reader);
        if (_skillLookup.TryGetValue(chars, out var skill))
        {
            return skill;
        }

        skill = new string(chars);
        if (_skills.Count < 64)
        {
            _skills[skill] = skill;
        }

        return skill;
    }

    private int InternColumn(ref Utf8JsonReader reader)
    {
        var chars = Unescape(ref reader);
        if (_columnLookup.TryGetValue(chars, out var column))
        {
            return column;
        }

        var name = new string(chars);
        column = _columnNames.Count;
        _columns[name] = column;
        _columnNames.Add(name);
        return column;
    }

    private ReadOnlySpan<char> Unescape(ref Utf8JsonReader reader)
    {
        var max = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        if (_chars.Length < max)
        {
            _chars = new char[Math.Max(max, _chars.Length * 2)];
        }

        int written;
        try
        {
            written = reader.CopyString(_chars);
        }
        catch (InvalidOperationException ex)
        {
            // A lone surrogate escape (e.g. "\ud800") cannot become a .NET string: a malformed body, not a failure.
            throw new JsonException("The JSON body has a string with an invalid Unicode escape (a lone surrogate).", ex);
        }

        return _chars.AsSpan(0, written);
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new JsonException("The JSON body ends early.");
        }

        return reader.TokenType;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string path)
    {
        if (reader.TokenType != type)
        {
            throw type switch
            {
                JsonTokenType.StartObject when path == "$" => new BatchFormatException("$", "The request body must be a JSON object with 'items'.", detail: "The request body is not a valid JSON object."),
                JsonTokenType.StartObject => Wrong(path, "an object"),
                _ => Wrong(path, "an array"),
            };
        }
    }

    private static void Once(ref bool seen, string path)
    {
        if (seen)
        {
            throw new BatchFormatException(path, $"The JSON body repeats the property at '$.{path}'.");
        }

        seen = true;
    }

    private static BatchFormatException Wrong(string path, string expected) =>
        new(path, $"The JSON body is invalid at '$.{path}': expected {expected} (numbers for features, null for missing; NaN and Infinity are not accepted).");

    private static BatchItemError Invalid(Dictionary<string, string[]> errors) => new()
    {
        Status = StatusCodes.Status400BadRequest,
        Title = "Invalid item",
        Detail = "The item is incomplete or malformed.",
        Errors = errors,
    };

    private static string Field(string path)
    {
        var field = path.TrimStart('$').TrimStart('.');
        return field.Length == 0 ? "$" : field;
    }

    private static string DescribeSyntax(JsonException ex) => ex.InnerException is InvalidOperationException ? ex.Message :
        string.Create(CultureInfo.InvariantCulture, $"The request body is not valid JSON (line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}).");

    private sealed class Item
    {
        public string? Skill { get; set; }

        public string? StudentId { get; set; }

        public bool Explain { get; set; }

        public int PairStart { get; init; }

        public int PairCount { get; set; }

        public BatchItemError? Error { get; set; }
    }
}

/// <summary>A read batch: per item its group and row in that group's rows, or its error; and the groups.</summary>
internal sealed record BatchRequest(int Count, IReadOnlyList<BatchGroup> Groups, int[] ItemGroup, int[] ItemRow, BatchItemError?[] ItemErrors);

/// <summary>The items of one skill with one explanation flag, as rows.</summary>
internal sealed record BatchGroup(string Skill, bool Explain, FeatureRows Rows);

/// <summary>The body is not the contract's JSON; <see cref="Field"/> names where.</summary>
internal sealed class BatchFormatException(string field, string message, Exception? inner = null, string? detail = null) : Exception(message, inner)
{
    public string Field { get; } = field;

    public string Detail { get; } = detail ?? message;
}

/// <summary>The batch has more items than allowed.</summary>
internal sealed class BatchTooLargeException(int limit) : Exception($"The batch has more than {limit} items.")
{
    public int Limit { get; } = limit;
}
