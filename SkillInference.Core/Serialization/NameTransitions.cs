namespace SkillInference.Serialization;

/// <summary>
/// Which name followed which the last time, for readers of JSON objects whose names repeat from one object to the next
/// (a batch's features per skill, a table's jsonb groups): a name is first compared, as bytes, with the one that followed
/// the previous name, so objects that send the same names in the same order, some left out, are read without a
/// dictionary lookup per name. Names are the reader's own column numbers.
/// </summary>
internal sealed class NameTransitions
{
    private int[] _next = [];
    private int _first = -1;

    /// <summary>The column expected after <paramref name="previous"/> (-1: the object's first name), or -1.</summary>
    public int After(int previous) => previous < 0 ? _first : previous < _next.Length ? _next[previous] - 1 : -1;

    /// <summary>Records that <paramref name="column"/> followed <paramref name="previous"/> (-1: came first).</summary>
    public void Learn(int previous, int column)
    {
        if (previous < 0)
        {
            _first = column;
            return;
        }

        if (previous >= _next.Length)
        {
            Array.Resize(ref _next, Math.Max(previous + 1, _next.Length * 2));
        }

        _next[previous] = column + 1;
    }

    /// <summary>Forgets every transition (the reader's columns were renumbered).</summary>
    public void Clear()
    {
        Array.Clear(_next);
        _first = -1;
    }
}
