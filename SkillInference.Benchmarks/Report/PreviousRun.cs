using System.Globalization;
using System.Text.RegularExpressions;

namespace SkillInference.Benchmarks.Report;

/// <summary>
/// The numbers of the last full run, read from the suite's block of RESULTS.md before it is replaced, so a run shows
/// its times beside them (issue 10: no regression of single-row times). A full run's block gives its own medians; a
/// short run's block carries the full run it was compared with (its "previous" column and label), so a short run in
/// between never becomes the baseline.
/// </summary>
internal sealed partial class PreviousRun
{
    public const string SingleRowTable = "### 1. Single row, one skill";
    public const string StudentTable = "### 2. One student, all seven skills";

    private readonly Dictionary<string, Dictionary<string, string>> _tables;

    private PreviousRun(string? label, Dictionary<string, Dictionary<string, string>> tables)
    {
        Label = label;
        _tables = tables;
    }

    public static PreviousRun None { get; } = new(null, []);

    /// <summary>Which run the numbers are from, e.g. "the full run of 2026-11-26 (commit 659d4c3)"; null when there is none.</summary>
    public string? Label { get; }

    /// <summary>The sentence under a table that names the previous run (also what a later short run reads back).</summary>
    public string Sentence => Label is null ? "" : $"The previous column is {Label}, as RESULTS.md held it before this run.";

    /// <summary>Reads the suite's block of <paramref name="results"/> (the whole RESULTS.md).</summary>
    public static PreviousRun Parse(string results)
    {
        var begin = results.IndexOf(ResultsReport.Begin, StringComparison.Ordinal);
        var end = results.IndexOf(ResultsReport.End, StringComparison.Ordinal);
        if (begin < 0 || end < begin)
        {
            return None;
        }

        var block = results[begin..end];
        var full = !block.Contains("**A short run**", StringComparison.Ordinal);
        string? label;
        if (full)
        {
            var date = DatePattern().Match(block) is { Success: true } d ? d.Groups[1].Value : "an earlier date";
            var commit = CommitPattern().Match(block) is { Success: true } c ? $" (commit {c.Groups[1].Value})" : "";
            label = $"the full run of {date}{commit}";
        }
        else
        {
            label = LabelPattern().Match(block) is { Success: true } l ? l.Groups[1].Value : null;
        }

        var tables = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var heading in new[] { SingleRowTable, StudentTable })
        {
            tables[heading] = ReadTable(block, heading, full ? "median" : "previous");
        }

        return label is null ? None : new PreviousRun(label, tables);
    }

    /// <summary>The previous value of a table's row, keyed by its first cells (e.g. "XGB-300x6 | **ours** (compiled engine)").</summary>
    public string? Value(string table, string key) => _tables.GetValueOrDefault(table)?.GetValueOrDefault(key) is { Length: > 0 } v && v != "—" ? v : null;

    /// <summary>A time as the report writes it ("2.70 µs", "812 ns", "1.20 ms") in nanoseconds, or null.</summary>
    public static double? Nanoseconds(string? text)
    {
        if (text is null || TimePattern().Match(text.Replace("*", "", StringComparison.Ordinal)) is not { Success: true } m)
        {
            return null;
        }

        var value = double.Parse(m.Groups[1].Value.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
        return m.Groups[2].Value switch
        {
            "ns" => value,
            "µs" => value * 1e3,
            "ms" => value * 1e6,
            _ => value * 1e9,
        };
    }

    /// <summary>The rows of the table under <paramref name="heading"/>: key = the cells before the "median" column, value = the cell of the wanted column.</summary>
    private static Dictionary<string, string> ReadTable(string block, string heading, string column)
    {
        var rows = new Dictionary<string, string>(StringComparer.Ordinal);
        var at = block.IndexOf(heading, StringComparison.Ordinal);
        if (at < 0)
        {
            return rows;
        }

        string[]? header = null;
        foreach (var line in block[at..].Split('\n').Skip(1))
        {
            if (line.StartsWith("### ", StringComparison.Ordinal))
            {
                break;
            }

            if (!line.StartsWith('|'))
            {
                if (header is not null)
                {
                    break;
                }

                continue;
            }

            var cells = line.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            if (header is null)
            {
                header = cells;
                continue;
            }

            var keyWidth = Array.FindIndex(header, h => h.StartsWith("median", StringComparison.Ordinal));
            var wanted = Array.FindIndex(header, h => h.StartsWith(column, StringComparison.Ordinal));
            if (keyWidth <= 0 || wanted < 0 || cells.Length <= wanted || cells[0].StartsWith("---", StringComparison.Ordinal))
            {
                continue;
            }

            rows[string.Join(" | ", cells[..keyWidth])] = cells[wanted].Replace("**", "", StringComparison.Ordinal);
        }

        return rows;
    }

    [GeneratedRegex(@"^## .* — (\d{4}-\d{2}-\d{2})", RegexOptions.Multiline)]
    private static partial Regex DatePattern();

    [GeneratedRegex(@"\*\*Code:\*\* commit ([^\n]+?)\.\s*$", RegexOptions.Multiline)]
    private static partial Regex CommitPattern();

    [GeneratedRegex(@"The previous column is (.+?), as RESULTS\.md held it")]
    private static partial Regex LabelPattern();

    [GeneratedRegex(@"([\d.,]+)\s*(ns|µs|ms|s)\b")]
    private static partial Regex TimePattern();
}
