namespace SkillInference.Batch.Relational;

/// <summary>
/// The order student ids have in the databases (<c>COLLATE "C"</c> in PostgreSQL, <c>BINARY</c> in SQLite: the bytes of
/// their UTF-8), in C#: ordinal UTF-16 order except that surrogate pairs (code points above U+FFFF) sort after
/// U+E000–U+FFFF, as their UTF-8 does.
/// </summary>
internal sealed class StudentIdOrder : IComparer<string>
{
    public static StudentIdOrder Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }

        var length = Math.Min(x.Length, y.Length);
        var at = x.AsSpan(0, length).CommonPrefixLength(y.AsSpan(0, length));
        return at == length ? x.Length.CompareTo(y.Length) : CodePointOrder(x[at]).CompareTo(CodePointOrder(y[at]));
    }

    /// <summary>A UTF-16 code unit's rank in code point order: surrogates after U+E000–U+FFFF.</summary>
    private static int CodePointOrder(char c) => c >= '\uE000' ? c - 0x800 : c >= '\uD800' ? c + 0x2000 : c;
}
