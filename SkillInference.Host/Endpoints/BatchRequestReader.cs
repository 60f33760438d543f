using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.ObjectPool;
using SkillInference.Host.Contracts.V1;
using SkillInference.Inference;
using SkillInference.Serialization;

namespace SkillInference.Host.Endpoints;

/// <summary>
/// Reads a <c>/infer/batch</c> body (the <see cref="BatchInferRequest"/> contract) straight into columnar rows, one
/// <see cref="FeatureRows"/> per skill and explanation flag, without a dictionary or a name string per item: feature
/// names are interned, and matched as UTF-8 bytes against the names the previous item of the same skill sent in the same
/// places. Limits are enforced while reading (the item count, features per item, id length, explanations), so an
/// oversized batch is refused before it is held in memory. A body that is not the contract's JSON is one
/// <see cref="BatchFormatException"/> naming the JSON path; an item that is incomplete is an error for that item.
/// </summary>
/// <remarks>
/// A reader is reused from request to request (<see cref="Pool"/>): its buffers, and the <see cref="BatchRequest"/> it
/// returns, belong to it until it is returned, so a warm endpoint allocates little beyond the student ids. What it
/// interns is bounded (names beyond <see cref="MaxInternedNames"/> are forgotten at the next request).
/// </remarks>
internal sealed partial class BatchRequestReader
{
    public const int MaxStudentIdLength = 128;
    public const int MaxFeaturesPerItem = 1_000;

    /// <summary>Interned feature names kept from request to request, at most.</summary>
    internal const int MaxInternedNames = 4_096;

    /// <summary>Readers whose buffers grew beyond this many feature values are dropped rather than pooled.</summary>
    private const int MaxPooledPairs = 1 << 20;

    private const int MaxInternedSkills = 64;

    private int _maxItems;
    private int _maxExplanations;
    private int _explanations;
    private readonly Dictionary<string, int> _columns = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _columnLookup;
    private readonly List<string> _columnNames = [];
    private readonly List<byte[]> _columnUtf8 = [];

    // Each column's name as the fast path meets it in a body, quotes included, when it needs no escape (else null).
    private readonly List<byte[]?> _columnQuoted = [];
    private readonly Dictionary<string, string> _skills = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _skillLookup;
    private readonly Dictionary<string, NameTransitions> _transitions = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Skill, bool Explain), int> _groupIndex = [];
    private readonly List<GroupBuffers> _groupBuffers = [];
    private readonly List<BatchGroup> _groups = [];
    private Item[] _items = new Item[64];
    private int _count;
    private int[] _pairColumn = new int[1024];
    private double[] _pairValue = new double[1024];
    private int _pairs;
    private int[] _seen = new int[64];
    private int[] _local = new int[64];
    private int[] _localStamp = new int[64];
    private int[] _itemGroup = new int[64];
    private int[] _itemRow = new int[64];
    private int[] _order = new int[64];
    private BatchItemError?[] _itemErrors = new BatchItemError?[64];
    private char[] _chars = new char[128];
    private readonly NameTransitions _lastItem = new();

    public BatchRequestReader(int maxItems, int maxExplanations = int.MaxValue)
    {
        _maxItems = maxItems;
        _maxExplanations = maxExplanations;
        _columnLookup = _columns.GetAlternateLookup<ReadOnlySpan<char>>();
        _skillLookup = _skills.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Whether the last body was read on the fast path (for tests).</summary>
    internal bool ReadFast { get; private set; }

    /// <summary>How many feature names are interned now (bounded across requests).</summary>
    internal int InternedNames => _columnNames.Count;

    /// <summary>Readers to rent for a request and return when its response is written.</summary>
    public static ObjectPool<BatchRequestReader> Pool { get; } = new DefaultObjectPool<BatchRequestReader>(new Policy(), Environment.ProcessorCount * 2);

    /// <summary>Sets the limits of the next <see cref="Read(ReadOnlySpan{byte})"/>.</summary>
    public BatchRequestReader WithLimits(int maxItems, int maxExplanations)
    {
        _maxItems = maxItems;
        _maxExplanations = maxExplanations;
        return this;
    }

    /// <summary>Reads the body. The result is valid until the reader reads again or goes back to the pool.</summary>
    /// <exception cref="BatchFormatException">The body is not valid JSON of the contract's shape, or has no items.</exception>
    /// <exception cref="BatchTooLargeException">The batch has more items than allowed.</exception>
    public BatchRequest Read(ReadOnlySpan<byte> json) => Read(json, fastPath: true);

    /// <summary>Reads the body; <paramref name="fastPath"/> false reads it with <see cref="Utf8JsonReader"/> only (for tests).</summary>
    internal BatchRequest Read(ReadOnlySpan<byte> json, bool fastPath)
    {
        if (fastPath)
        {
            Reset();
            if (ReadFast = TryReadFast(json) && _count > 0)
            {
                return Build();
            }
        }

        ReadFast = false;
        Reset();
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            ReadRoot(ref reader);
        }
        catch (JsonException ex)
        {
            throw new BatchFormatException(Field(ex.Path ?? ""), DescribeSyntax(ex), ex);
        }

        if (_count == 0)
        {
            throw new BatchFormatException("items", "At least one item is required.", detail: "The batch has no items.");
        }

        return Build();
    }

    private void Reset()
    {
        _count = 0;
        _pairs = 0;
        _explanations = 0;
        _lastItem.Clear();
        _groups.Clear();
        _groupIndex.Clear();
        if (_columnNames.Count > MaxInternedNames)
        {
            _columns.Clear();
            _columnNames.Clear();
            _columnUtf8.Clear();
            _columnQuoted.Clear();
            _transitions.Clear();
            _recentTransitions = null;
        }

        if (_skills.Count >= MaxInternedSkills)
        {
            _skills.Clear();
            _transitions.Clear();
            _recentSkill = null;
            _recentTransitions = null;
        }

        // Stamps are item numbers + 1 of this read: clear them from the last.
        Array.Clear(_seen);
    }

    private void ReadRoot(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType == JsonTokenType.Null)
        {
            throw new BatchFormatException("items", "At least one item is required.", detail: "The batch has no items.");
        }

        Expect(ref reader, JsonTokenType.StartObject, "$", -1);
        var sawItems = false;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("items"u8))
            {
                Once(ref sawItems, "items", -1);
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                {
                    continue;
                }

                Expect(ref reader, JsonTokenType.StartArray, "items", -1);
                while (Next(ref reader) != JsonTokenType.EndArray)
                {
                    if (_count == _maxItems)
                    {
                        throw new BatchTooLargeException(_maxItems);
                    }

                    ReadItem(ref reader, _count);
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
        if (_count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        ref var item = ref _items[_count];
        item = new Item { PairStart = _pairs };
        if (reader.TokenType == JsonTokenType.Null)
        {
            item.Error = Invalid(new() { [Path(index)] = ["The item must be an object with 'skill' and 'features'."] });
            _count++;
            return;
        }

        Expect(ref reader, JsonTokenType.StartObject, null, index);
        bool sawSkill = false, sawFeatures = false, sawStudent = false, sawExplain = false;
        var featuresPresent = false;
        var featureCount = 0;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("skill"u8))
            {
                Once(ref sawSkill, ".skill", index);
                reader.Read();
                item.Skill = reader.TokenType switch
                {
                    JsonTokenType.Null => null,
                    JsonTokenType.String => InternSkill(ref reader),
                    _ => throw Wrong(Path(index) + ".skill", "a string"),
                };
            }
            else if (reader.ValueTextEquals("studentId"u8))
            {
                Once(ref sawStudent, ".studentId", index);
                reader.Read();
                item.StudentId = reader.TokenType switch
                {
                    JsonTokenType.Null => null,
                    JsonTokenType.String => new string(Unescape(ref reader)),
                    _ => throw Wrong(Path(index) + ".studentId", "a string"),
                };
            }
            else if (reader.ValueTextEquals("explain"u8))
            {
                Once(ref sawExplain, ".explain", index);
                reader.Read();
                item.Explain = reader.TokenType switch
                {
                    JsonTokenType.True => true,
                    JsonTokenType.False => false,
                    _ => throw Wrong(Path(index) + ".explain", "true or false"),
                };
                if (item.Explain && ++_explanations > _maxExplanations)
                {
                    throw new BatchFormatException(Path(index) + ".explain", $"At most {_maxExplanations} items of one batch may ask for an explanation; send the others without 'explain' or in another batch.", detail: "The batch asks for more explanations than one request may.");
                }
            }
            else if (reader.ValueTextEquals("features"u8))
            {
                Once(ref sawFeatures, ".features", index);
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                {
                    continue;
                }

                Expect(ref reader, JsonTokenType.StartObject, ".features", index);
                featuresPresent = true;
                featureCount = ReadFeatures(ref reader, index, item.Skill);
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
            (errors ??= [])[Path(index) + ".skill"] = ["'skill' is required (e.g. \"collaboration\")."];
        }

        if (!featuresPresent)
        {
            (errors ??= [])[Path(index) + ".features"] = ["'features' is required: an object of feature name to number (null or absent = missing)."];
        }
        else if (featureCount > MaxFeaturesPerItem)
        {
            (errors ??= [])[Path(index) + ".features"] = [$"At most {MaxFeaturesPerItem} features may be sent."];
        }

        if (item.StudentId is { Length: > MaxStudentIdLength or 0 })
        {
            (errors ??= [])[Path(index) + ".studentId"] = [$"'studentId' must be 1 to {MaxStudentIdLength} characters."];
        }

        if (errors is not null)
        {
            item.Error = Invalid(errors);
            _pairs = item.PairStart;
            item.PairCount = 0;
        }

        _count++;
    }

    /// <summary>
    /// Reads a features object into the shared pairs (column, value; NaN = missing); returns how many there were. Each
    /// name is first compared, as bytes, with the name the last item of the same skill had in that place.
    /// </summary>
    private int ReadFeatures(ref Utf8JsonReader reader, int index, string? skill)
    {
        var count = 0;
        var stamp = index + 1;
        var transitions = TransitionsOf(skill);
        var previous = -1;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            var predicted = transitions.After(previous);
            var column = predicted >= 0 && !reader.ValueIsEscaped && reader.ValueTextEquals(_columnUtf8[predicted])
                ? predicted
                : InternColumn(ref reader);
            transitions.Learn(previous, column);
            previous = column;

            reader.Read();
            double value;
            switch (reader.TokenType)
            {
                case JsonTokenType.Number:
                    if (!reader.TryGetDouble(out value) || !double.IsFinite(value))
                    {
                        throw Wrong($"{Path(index)}.features.{_columnNames[column]}", "a finite number");
                    }

                    break;
                case JsonTokenType.Null:
                    value = double.NaN;
                    break;
                default:
                    throw Wrong($"{Path(index)}.features.{_columnNames[column]}", "a number or null");
            }

            count++;
            if (count > MaxFeaturesPerItem)
            {
                continue; // counted, not kept: the item is refused
            }

            if (_seen[column] == stamp)
            {
                throw new BatchFormatException($"{Path(index)}.features.{_columnNames[column]}", $"The JSON body repeats the property at '$.{Path(index)}.features.{_columnNames[column]}'.");
            }

            _seen[column] = stamp;
            AddPair(column, value);
        }

        return count;
    }

    /// <summary>
    /// Where an item's names are predicted from: its skill's transitions when the skill was read before its features
    /// (and is interned), else those of whatever item came last.
    /// </summary>
    private NameTransitions TransitionsOf(string? skill)
    {
        if (skill is not null && ReferenceEquals(skill, _recentTransitionsSkill) && _recentTransitions is { } recent)
        {
            return recent;
        }

        if (skill is null || !_skills.ContainsKey(skill))
        {
            return _lastItem;
        }

        if (!_transitions.TryGetValue(skill, out var transitions))
        {
            _transitions[skill] = transitions = new NameTransitions();
        }

        (_recentTransitionsSkill, _recentTransitions) = (skill, transitions);
        return transitions;
    }

    // The skill the last item named (its UTF-8 bytes as the body held them) and its transitions: items of one skill
    // usually follow each other, so most items skip decoding their skill and three dictionary lookups.
    private byte[] _recentSkillUtf8 = new byte[64];
    private int _recentSkillLength;
    private string? _recentSkill;
    private string? _recentTransitionsSkill;
    private NameTransitions? _recentTransitions;

    /// <summary>An item's skill from its UTF-8 bytes (no escapes), interned.</summary>
    private string InternSkillUtf8(ReadOnlySpan<byte> utf8)
    {
        if (_recentSkill is not null && utf8.SequenceEqual(_recentSkillUtf8.AsSpan(0, _recentSkillLength)))
        {
            return _recentSkill;
        }

        // Kept in one reused buffer: bodies that change skill at every item must not allocate per item.
        var skill = InternSkill(Decode(utf8));
        if (utf8.Length > _recentSkillUtf8.Length)
        {
            _recentSkillUtf8 = new byte[utf8.Length];
        }

        utf8.CopyTo(_recentSkillUtf8);
        (_recentSkillLength, _recentSkill) = (utf8.Length, skill);
        return skill;
    }

    /// <summary>Keeps one (column, value) of the item being read.</summary>
    private void AddPair(int column, double value)
    {
        if (_pairs == _pairColumn.Length)
        {
            Array.Resize(ref _pairColumn, _pairs * 2);
            Array.Resize(ref _pairValue, _pairs * 2);
        }

        _pairColumn[_pairs] = column;
        _pairValue[_pairs] = value;
        _pairs++;
    }

    /// <summary>Groups the valid items by (skill, explain) into one block of rows each.</summary>
    private BatchRequest Build()
    {
        var count = _count;
        Grow(ref _itemGroup, count);
        Grow(ref _itemRow, count);
        Grow(ref _order, count);
        Grow(ref _itemErrors, count);
        var rows = new List<int>();
        for (var i = 0; i < count; i++)
        {
            ref var item = ref _items[i];
            _itemErrors[i] = item.Error;
            if (item.Error is not null)
            {
                _itemGroup[i] = -1;
                continue;
            }

            ref var g = ref CollectionsMarshal.GetValueRefOrAddDefault(_groupIndex, (item.Skill!, item.Explain), out var exists);
            if (!exists)
            {
                g = rows.Count;
                rows.Add(0);
            }

            _itemGroup[i] = g;
            _itemRow[i] = rows[g]++;
        }

        // Items in group order (a counting sort), so each group is built from its own items only.
        var starts = new int[rows.Count + 1];
        for (var g = 0; g < rows.Count; g++)
        {
            starts[g + 1] = starts[g] + rows[g];
        }

        var next = (int[])starts.Clone();
        for (var i = 0; i < count; i++)
        {
            if (_itemGroup[i] >= 0)
            {
                _order[next[_itemGroup[i]]++] = i;
            }
        }

        Grow(ref _local, _columnNames.Count);
        Grow(ref _localStamp, _columnNames.Count);
        Array.Clear(_localStamp, 0, _columnNames.Count);
        foreach (var ((skill, explain), g) in _groupIndex.OrderBy(kv => kv.Value))
        {
            // The group's own columns, in first-seen order.
            if (_groupBuffers.Count == g)
            {
                _groupBuffers.Add(new GroupBuffers());
            }

            var buffers = _groupBuffers[g];
            var names = new List<string>();
            var items = _order.AsSpan(starts[g], rows[g]);
            foreach (var i in items)
            {
                ref var item = ref _items[i];
                for (var p = item.PairStart; p < item.PairStart + item.PairCount; p++)
                {
                    var c = _pairColumn[p];
                    if (_localStamp[c] != g + 1)
                    {
                        _localStamp[c] = g + 1;
                        _local[c] = names.Count;
                        names.Add(_columnNames[c]);
                    }
                }
            }

            var width = names.Count;
            var (values, missing, ids) = buffers.Rent(rows[g], width);
            foreach (var i in items)
            {
                ref var item = ref _items[i];
                var offset = _itemRow[i] * width;
                ids[_itemRow[i]] = item.StudentId;
                for (var p = item.PairStart; p < item.PairStart + item.PairCount; p++)
                {
                    var c = offset + _local[_pairColumn[p]];
                    var v = _pairValue[p];
                    if (!double.IsNaN(v))
                    {
                        values[c] = v;
                        missing[c] = false;
                    }
                }
            }

            _groups.Add(new BatchGroup(skill, explain, new FeatureRows(names, rows[g], values, missing, new ArraySegment<string?>(ids, 0, rows[g]))));
        }

        return new BatchRequest(count, _groups, _itemGroup, _itemRow, _itemErrors);
    }

    private static void Grow<T>(ref T[] array, int length)
    {
        if (array.Length < length)
        {
            array = new T[Math.Max(length, array.Length * 2)];
        }
    }

    private string InternSkill(ref Utf8JsonReader reader) => InternSkill(Unescape(ref reader));

    private string InternSkill(ReadOnlySpan<char> chars)
    {
        if (_skillLookup.TryGetValue(chars, out var skill))
        {
            return skill;
        }

        skill = new string(chars);
        if (_skills.Count < MaxInternedSkills)
        {
            _skills[skill] = skill;
        }

        return skill;
    }

    private int InternColumn(ref Utf8JsonReader reader) => InternColumn(Unescape(ref reader));

    private int InternColumn(ReadOnlySpan<char> chars)
    {
        if (_columnLookup.TryGetValue(chars, out var column))
        {
            return column;
        }

        var name = new string(chars);
        column = _columnNames.Count;
        _columns[name] = column;
        _columnNames.Add(name);
        var utf8 = System.Text.Encoding.UTF8.GetBytes(name);
        _columnUtf8.Add(utf8);
        _columnQuoted.Add(utf8.AsSpan().IndexOfAny("\"\\"u8) < 0 && utf8.AsSpan().IndexOfAnyInRange((byte)0, (byte)0x1F) < 0 ? [(byte)'"', .. utf8, (byte)'"'] : null);
        Grow(ref _seen, _columnNames.Count);
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

    private static string Path(int index) => string.Create(CultureInfo.InvariantCulture, $"items[{index}]");

    private static JsonTokenType Next(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new JsonException("The JSON body ends early.");
        }

        return reader.TokenType;
    }

    /// <summary>Checks the token; <paramref name="path"/> is the field (or, with an item index, the part after <c>items[i]</c>).</summary>
    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string? path, int index)
    {
        if (reader.TokenType != type)
        {
            var field = index < 0 ? path! : Path(index) + path;
            throw type switch
            {
                JsonTokenType.StartObject when field == "$" => new BatchFormatException("$", "The request body must be a JSON object with 'items'.", detail: "The request body is not a valid JSON object."),
                JsonTokenType.StartObject => Wrong(field, "an object"),
                _ => Wrong(field, "an array"),
            };
        }
    }

    private static void Once(ref bool seen, string path, int index)
    {
        if (seen)
        {
            var field = index < 0 ? path : Path(index) + path;
            throw new BatchFormatException(field, $"The JSON body repeats the property at '$.{field}'.");
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

    private bool Reusable() => _pairColumn.Length <= MaxPooledPairs && _groupBuffers.Sum(b => b.Capacity) <= MaxPooledPairs;

    private struct Item
    {
#pragma warning disable SA1401, CA1051 // Fields of an item read in place.
        public string? Skill;
        public string? StudentId;
        public bool Explain;
        public int PairStart;
        public int PairCount;
        public BatchItemError? Error;
#pragma warning restore SA1401, CA1051
    }

    /// <summary>One group's rows, reused from request to request.</summary>
    private sealed class GroupBuffers
    {
        private double[] _values = [];
        private bool[] _missing = [];
        private string?[] _ids = [];

        public long Capacity => _values.Length;

        /// <summary>Values (cleared), a missing mask (all missing) and ids for <paramref name="rows"/> rows of <paramref name="width"/> features.</summary>
        public (double[] Values, bool[] Missing, string?[] Ids) Rent(int rows, int width)
        {
            var cells = Math.Max(1, rows * width);
            Grow(ref _values, cells);
            Grow(ref _missing, cells);
            Grow(ref _ids, rows);
            Array.Clear(_values, 0, cells);
            Array.Fill(_missing, true, 0, cells);
            return (_values, _missing, _ids);
        }

        /// <summary>Lets go of the student ids the last request left.</summary>
        public void Release() => Array.Clear(_ids);
    }

    private sealed class Policy : PooledObjectPolicy<BatchRequestReader>
    {
        public override BatchRequestReader Create() => new(int.MaxValue);

        public override bool Return(BatchRequestReader obj)
        {
            foreach (var buffers in obj._groupBuffers)
            {
                buffers.Release();
            }

            Array.Clear(obj._items, 0, obj._count);
            Array.Clear(obj._itemErrors);
            obj._groups.Clear();
            return obj.Reusable();
        }
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
