using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SkillInference.Training;

/// <summary>
/// Training data in the export format: a CSV with a header, one row per student, numeric columns (an empty cell is
/// missing) and a <c>student_id</c> column. Columns are read by name.
/// </summary>
public sealed class TrainingDataset
{
    private readonly Dictionary<string, double[]> _columns;

    private TrainingDataset(Dictionary<string, double[]> columns, string[] studentIds, string sha256)
    {
        _columns = columns;
        StudentIds = studentIds;
        Sha256 = sha256;
    }

    /// <summary>The number of rows.</summary>
    public int RowCount => StudentIds.Count;

    /// <summary>The student ids, one per row.</summary>
    public IReadOnlyList<string> StudentIds { get; }

    /// <summary>The lower-case hex SHA-256 of the file's bytes.</summary>
    public string Sha256 { get; }

    /// <summary>The numeric column names.</summary>
    public IEnumerable<string> Columns => _columns.Keys;

    /// <summary>Whether a column exists.</summary>
    public bool HasColumn(string name) => _columns.ContainsKey(name);

    /// <summary>A numeric column (NaN where missing).</summary>
    /// <exception cref="KeyNotFoundException">No such column; the message lists what exists.</exception>
    public double[] Column(string name) =>
        _columns.TryGetValue(name, out var column)
            ? column
            : throw new KeyNotFoundException($"The training data has no column '{name}'.");

    /// <summary>Reads a CSV file.</summary>
    public static async Task<TrainingDataset> LoadCsvAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        return ParseCsv(bytes);
    }

    /// <summary>Parses CSV bytes (UTF-8).</summary>
    /// <exception cref="FormatException">A row has the wrong number of cells or a cell is not a number; the message gives the line.</exception>
    public static TrainingDataset ParseCsv(ReadOnlySpan<byte> utf8)
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(utf8));
        var text = Encoding.UTF8.GetString(utf8);
        using var reader = new StringReader(text);
        var header = reader.ReadLine()?.TrimStart('\uFEFF') ?? throw new FormatException("The training data is empty.");
        var names = header.Split(',').Select(h => h.Trim()).ToArray();
        var idColumn = Array.IndexOf(names, "student_id");
        var values = names.Select(_ => new List<double>()).ToArray();
        var ids = new List<string>();
        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var cells = line.Split(',');
            if (cells.Length != names.Length)
            {
                throw new FormatException($"Line {lineNumber} has {cells.Length} cells; the header has {names.Length}.");
            }

            for (var c = 0; c < cells.Length; c++)
            {
                if (c == idColumn)
                {
                    ids.Add(cells[c]);
                    continue;
                }

                var cell = cells[c].Trim();
                if (cell.Length == 0)
                {
                    values[c].Add(double.NaN);
                }
                else if (double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v))
                {
                    values[c].Add(v);
                }
                else
                {
                    throw new FormatException($"Line {lineNumber}, column '{names[c]}' is not a finite number.");
                }
            }

            if (idColumn < 0)
            {
                ids.Add((lineNumber - 1).ToString(CultureInfo.InvariantCulture));
            }
        }

        var columns = new Dictionary<string, double[]>(StringComparer.Ordinal);
        for (var c = 0; c < names.Length; c++)
        {
            if (c != idColumn)
            {
                columns[names[c]] = [.. values[c]];
            }
        }

        return new TrainingDataset(columns, [.. ids], sha);
    }
}
