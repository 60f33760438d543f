using SkillInference.Inference;

namespace SkillInference.Batch;

/// <summary>
/// Students' stored features as the batch worker reads them (one block per read), in columnar form: the union of the
/// feature names once, a row-major block of values with its missing mask, and per row the student, when the features
/// last changed and why the stored row could not be read (if it could not).
/// </summary>
/// <remarks>
/// A feature absent from a student's row, or stored as null, is missing there and its rule fills it in. A row with a
/// read error has every feature missing; such a student is recorded as failed for every skill, and never fails the
/// other rows of its shard.
/// </remarks>
internal sealed class StudentFeatureBlock
{
    /// <summary>Wraps a block of rows.</summary>
    /// <param name="rows">The features; every row has a student id.</param>
    /// <param name="updatedAt">When each row's features last changed; one per row.</param>
    /// <param name="readErrors">Per row, why the stored features could not be read (never containing a value), or null; one per row.</param>
    /// <exception cref="ArgumentException">The counts do not match, or a row has no student id.</exception>
    public StudentFeatureBlock(FeatureRows rows, IReadOnlyList<DateTimeOffset> updatedAt, IReadOnlyList<string?> readErrors)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(updatedAt);
        ArgumentNullException.ThrowIfNull(readErrors);
        if (updatedAt.Count != rows.Count || readErrors.Count != rows.Count)
        {
            throw new ArgumentException($"{rows.Count} rows need {rows.Count} update times and read errors; {updatedAt.Count} and {readErrors.Count} were given.", nameof(updatedAt));
        }

        for (var row = 0; row < rows.Count; row++)
        {
            if (rows.StudentIdOf(row) is null)
            {
                throw new ArgumentException("Every row of a student feature block needs a student id.", nameof(rows));
            }
        }

        Rows = rows;
        UpdatedAt = updatedAt;
        ReadErrors = readErrors;
    }

    /// <summary>A block of no students.</summary>
    public static StudentFeatureBlock Empty { get; } = new(new FeatureRows([], 0, [], [], []), [], []);

    /// <summary>The features: names once, values row-major, the missing mask and the student ids.</summary>
    public FeatureRows Rows { get; }

    /// <summary>The number of students.</summary>
    public int Count => Rows.Count;

    /// <summary>When each row's features last changed.</summary>
    public IReadOnlyList<DateTimeOffset> UpdatedAt { get; }

    /// <summary>Per row, why the stored features could not be read (feature names and rules, never values), or null.</summary>
    public IReadOnlyList<string?> ReadErrors { get; }

    /// <summary>The student of a row.</summary>
    public string StudentIdOf(int row) => Rows.StudentIdOf(row)!;

    /// <summary>A block of one row of this one (a copy), e.g. to score a row on its own.</summary>
    internal StudentFeatureBlock Slice(int row)
    {
        var missing = Rows.Missing is null ? null : Rows.MissingOf(row).ToArray();
        var one = new FeatureRows(Rows.FeatureNames, 1, Rows.Row(row).ToArray(), missing, [StudentIdOf(row)]);
        return new StudentFeatureBlock(one, [UpdatedAt[row]], [ReadErrors[row]]);
    }
}
