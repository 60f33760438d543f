using System.Buffers;
using System.Text;
using System.Text.Json;
using SkillInference.Inference;
using SkillInference.Serialization;

namespace SkillInference.Batch.Relational;

/// <summary>
/// Builds one <see cref="StudentFeatureBlock"/> from stored rows: each row's <c>linguistic</c> and <c>behavioral</c>
/// groups (UTF-8 JSON objects of feature name to number or null) are parsed with <see cref="Utf8JsonReader"/> straight
/// into cells, then laid out row-major once. The block's columns are the union of the names seen (each name one string
/// per block); a name absent from a row, or null there, is missing in that row. A row that cannot be read (not an
/// object of numbers, invalid JSON, or a name in both groups) gets a read error, never containing a value, and no
/// values; the other rows are unaffected. A name repeated within one group takes its last value.
/// </summary>
internal sealed class StudentFeatureBlockBuilder : IDisposable
{
    private const byte Linguistic = 1;
    private const byte Behavioral = 2;
    private const int StackNameLength = 128;

    private readonly Dictionary<string, int> _columns = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly List<string> _names = [];
    private readonly List<string> _ids;
    private readonly List<DateTimeOffset> _updatedAt;
    private readonly List<string?> _errors;
    private int[] _rowStart;
    private int[] _cellColumn;
    private double[] _cellValue;
    private int _cells;

    // Per column: the row and group that last set it, and that cell (to find a name in both groups, or twice in one).
    private int[] _lastRow;
    private byte[] _lastGroup;
    private int[] _lastCell;

    // Per column, its name in UTF-8; per group, which name followed which. Rows of one table list their names in the
    // same order (jsonb sorts an object's keys), so a name is almost always one byte comparison with the name expected
    // next, not a lookup; a row without some feature costs one lookup there.
    private byte[][] _utf8Names;
    private readonly NameTransitions[] _transitions = [new(), new()];

    /// <summary>Starts an empty block.</summary>
    /// <param name="capacity">The number of rows expected.</param>
    public StudentFeatureBlockBuilder(int capacity = 256)
    {
        capacity = Math.Max(capacity, 1);
        _lookup = _columns.GetAlternateLookup<ReadOnlySpan<char>>();
        _ids = new List<string>(capacity);
        _updatedAt = new List<DateTimeOffset>(capacity);
        _errors = new List<string?>(capacity);
        _rowStart = ArrayPool<int>.Shared.Rent(capacity + 1);
        _cellColumn = ArrayPool<int>.Shared.Rent(capacity * 32);
        _cellValue = ArrayPool<double>.Shared.Rent(capacity * 32);
        _lastRow = ArrayPool<int>.Shared.Rent(64);
        _lastGroup = ArrayPool<byte>.Shared.Rent(64);
        _lastCell = ArrayPool<int>.Shared.Rent(64);
        _utf8Names = new byte[64][];
    }

    /// <summary>The rows added so far.</summary>
    public int Count => _ids.Count;

    /// <summary>Adds a stored row.</summary>
    /// <param name="studentId">The student.</param>
    /// <param name="linguistic">The UTF-8 JSON of the linguistic group.</param>
    /// <param name="behavioral">The UTF-8 JSON of the behavioral group.</param>
    /// <param name="updatedAt">When the features last changed.</param>
    public void Add(string studentId, ReadOnlySpan<byte> linguistic, ReadOnlySpan<byte> behavioral, DateTimeOffset updatedAt)
    {
        ArgumentNullException.ThrowIfNull(studentId);
        var row = _ids.Count;
        Grow(ref _rowStart, row + 2);
        _rowStart[row] = _cells;
        var error = ReadGroup(linguistic, Linguistic, row) ?? ReadGroup(behavioral, Behavioral, row);
        if (error is not null)
        {
            _cells = _rowStart[row];
        }

        _ids.Add(studentId);
        _updatedAt.Add(updatedAt);
        _errors.Add(error);
    }

    /// <summary>The block of the rows added.</summary>
    public StudentFeatureBlock Build()
    {
        var count = _ids.Count;
        var width = _names.Count;
        _rowStart[count] = _cells;
        var values = new double[count * width];
        var missing = new bool[count * width];
        values.AsSpan().Fill(double.NaN);
        missing.AsSpan().Fill(true);
        for (var row = 0; row < count; row++)
        {
            var offset = row * width;
            for (var cell = _rowStart[row]; cell < _rowStart[row + 1]; cell++)
            {
                var value = _cellValue[cell];
                if (!double.IsNaN(value))
                {
                    values[offset + _cellColumn[cell]] = value;
                    missing[offset + _cellColumn[cell]] = false;
                }
            }
        }

        return new StudentFeatureBlock(new FeatureRows(_names, count, values, missing, _ids), _updatedAt, _errors);
    }

    /// <summary>Returns the pooled working arrays.</summary>
    public void Dispose()
    {
        ArrayPool<int>.Shared.Return(_rowStart);
        ArrayPool<int>.Shared.Return(_cellColumn);
        ArrayPool<double>.Shared.Return(_cellValue);
        ArrayPool<int>.Shared.Return(_lastRow);
        ArrayPool<byte>.Shared.Return(_lastGroup);
        ArrayPool<int>.Shared.Return(_lastCell);
        _rowStart = _cellColumn = _lastRow = _lastCell = [];
        _cellValue = [];
        _lastGroup = [];
    }

    private static string GroupName(byte group) => group == Linguistic ? "linguistic" : "behavioral";

    private static string Truncate(string name) => name.Length <= 64 ? name : name[..64] + "...";

    private static void Grow<T>(ref T[] array, int length)
    {
        if (array.Length < length)
        {
            var larger = ArrayPool<T>.Shared.Rent(Math.Max(length, array.Length * 2));
            array.AsSpan().CopyTo(larger);
            ArrayPool<T>.Shared.Return(array);
            array = larger;
        }
    }

    /// <summary>Reads one group into the row's cells; returns why it cannot be read, or null.</summary>
    private string? ReadGroup(ReadOnlySpan<byte> json, byte group, int row)
    {
        var reader = new Utf8JsonReader(json);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return $"the {GroupName(group)} group is not a JSON object";
            }

            var previous = -1;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var column = previous = Column(ref reader, group, previous);
                reader.Read();
                double value;
                switch (reader.TokenType)
                {
                    case JsonTokenType.Number when reader.TryGetDouble(out value) && double.IsFinite(value):
                        break;
                    case JsonTokenType.Number:
                        return $"the {GroupName(group)} group feature '{Truncate(_names[column])}' is a number out of the range of a double";
                    case JsonTokenType.Null:
                        value = double.NaN;
                        break;
                    default:
                        return $"the {GroupName(group)} group feature '{Truncate(_names[column])}' is not a number or null";
                }

                if (_lastRow[column] == row)
                {
                    if (_lastGroup[column] != group)
                    {
                        return $"the feature '{Truncate(_names[column])}' appears in both the linguistic and the behavioral group";
                    }

                    _cellValue[_lastCell[column]] = value;
                    continue;
                }

                Grow(ref _cellColumn, _cells + 1);
                Grow(ref _cellValue, _cells + 1);
                _cellColumn[_cells] = column;
                _cellValue[_cells] = value;
                _lastRow[column] = row;
                _lastGroup[column] = group;
                _lastCell[column] = _cells++;
            }

            return null;
        }
        catch (JsonException)
        {
            return $"the {GroupName(group)} group is not valid JSON";
        }
    }

    /// <summary>
    /// The column of the property name the reader is on, after <paramref name="previous"/> in its group (-1: the first),
    /// added on first sight (one string per name and block).
    /// </summary>
    private int Column(ref Utf8JsonReader reader, byte group, int previous)
    {
        var transitions = _transitions[group - 1];
        var expected = transitions.After(previous);
        var column = expected >= 0 && !reader.ValueIsEscaped && reader.ValueSpan.SequenceEqual(_utf8Names[expected])
            ? expected
            : Lookup(ref reader);
        transitions.Learn(previous, column);
        return column;
    }

    /// <summary>The column of the property name the reader is on, by name; added on first sight.</summary>
    private int Lookup(ref Utf8JsonReader reader)
    {
        var length = reader.ValueSpan.Length;
        char[]? rented = null;
        var chars = length <= StackNameLength ? stackalloc char[StackNameLength] : (rented = ArrayPool<char>.Shared.Rent(length));
        try
        {
            var name = chars[..reader.CopyString(chars)];
            if (_lookup.TryGetValue(name, out var column))
            {
                return column;
            }

            column = _names.Count;
            var text = name.ToString();
            _columns.Add(text, column);
            _names.Add(text);
            Grow(ref _lastRow, column + 1);
            Grow(ref _lastGroup, column + 1);
            Grow(ref _lastCell, column + 1);
            if (column >= _utf8Names.Length)
            {
                Array.Resize(ref _utf8Names, column * 2);
            }

            _lastRow[column] = -1;
            _utf8Names[column] = Encoding.UTF8.GetBytes(text);
            return column;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }
}
