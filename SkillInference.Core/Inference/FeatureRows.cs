namespace SkillInference.Inference;

/// <summary>
/// Many students' features in columnar form, for bulk scoring without a dictionary per row: the feature names once,
/// a row-major block of values, an optional missing mask of the same shape, and optional student ids.
/// </summary>
/// <remarks>
/// A cell is missing when its mask entry is <see langword="true"/>; the feature's rule then fills it in. A cell that
/// is not missing must be finite (NaN or infinity is an error for that row, as in a single request). A name that no
/// skill being scored uses is an error for each row that has a value in that column, and is ignored in rows where it is
/// missing. The arrays are the caller's: they are read, never written or kept after the call returns.
/// </remarks>
public sealed class FeatureRows
{
    /// <summary>Wraps existing arrays.</summary>
    /// <param name="featureNames">The column names; each at most once.</param>
    /// <param name="count">The number of rows.</param>
    /// <param name="values">Row-major values: row r, column c at <c>r * featureNames.Count + c</c>; at least <c>count * featureNames.Count</c> long.</param>
    /// <param name="missing">Missing mask of the same shape as <paramref name="values"/>; null when every cell has a value.</param>
    /// <param name="studentIds">One id per row (null entries allowed), for sticky routing and caching; null for none.</param>
    /// <exception cref="ArgumentException">The shapes do not match or a name repeats.</exception>
    public FeatureRows(IReadOnlyList<string> featureNames, int count, double[] values, bool[]? missing = null, IReadOnlyList<string?>? studentIds = null)
    {
        ArgumentNullException.ThrowIfNull(featureNames);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var width = featureNames.Count;
        if ((long)count * width > values.Length)
        {
            throw new ArgumentException($"{count} rows of {width} features need {(long)count * width} values; {values.Length} were given.", nameof(values));
        }

        if (missing is not null && missing.Length < count * width)
        {
            throw new ArgumentException($"The missing mask needs {count * width} entries; {missing.Length} were given.", nameof(missing));
        }

        if (studentIds is not null && studentIds.Count < count)
        {
            throw new ArgumentException($"{count} rows need {count} student ids; {studentIds.Count} were given.", nameof(studentIds));
        }

        var seen = new HashSet<string>(width, StringComparer.Ordinal);
        foreach (var name in featureNames)
        {
            ArgumentNullException.ThrowIfNull(name, nameof(featureNames));
            if (!seen.Add(name))
            {
                throw new ArgumentException($"The feature '{(name.Length <= 64 ? name : name[..64] + "...")}' is listed twice.", nameof(featureNames));
            }
        }

        FeatureNames = featureNames;
        Count = count;
        Values = values;
        Missing = missing;
        StudentIds = studentIds;
    }

    /// <summary>The column names.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>The number of columns.</summary>
    public int Width => FeatureNames.Count;

    /// <summary>The number of rows.</summary>
    public int Count { get; }

    /// <summary>The values, row-major.</summary>
    public double[] Values { get; }

    /// <summary>The missing mask, row-major; null when every cell has a value.</summary>
    public bool[]? Missing { get; }

    /// <summary>The student of each row, or null.</summary>
    public IReadOnlyList<string?>? StudentIds { get; }

    /// <summary>The values of one row.</summary>
    public ReadOnlySpan<double> Row(int row) => Values.AsSpan(row * Width, Width);

    /// <summary>The missing mask of one row; empty when there is no mask.</summary>
    public ReadOnlySpan<bool> MissingOf(int row) => Missing is null ? default : Missing.AsSpan(row * Width, Width);

    /// <summary>The student of a row, or null.</summary>
    public string? StudentIdOf(int row) => StudentIds?[row];
}
