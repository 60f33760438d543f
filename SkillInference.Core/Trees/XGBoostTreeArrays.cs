using System.Text.Json;

namespace SkillInference.Trees;

/// <summary>One XGBoost tree's node arrays, as its JSON holds them (<c>loss_changes</c> and <c>split_type</c> are optional).</summary>
internal sealed record XGBoostTreeArrays(int[] Left, int[] Right, int[] Split, float[] Condition, int[] DefaultLeft, double[] Hessian, double[]? Loss, int[]? SplitType)
{
    /// <summary>
    /// Reads a model's tree arrays in one pass of <see cref="Utf8JsonReader"/>, with no document built for them: the
    /// arrays of <c>learner.gradient_booster.model.trees</c> (gbtree) and <c>learner.gradient_booster.gbtree.model.trees</c>
    /// (dart), and the rest of the model (small) as JSON with those arrays emptied, for the importer to read as before.
    /// </summary>
    /// <returns>
    /// False when the model holds anything this pass does not read exactly as the document path would: not JSON, a tree
    /// that is not an object of plain number arrays, a key twice, a tree array twice, more trees or nodes than served.
    /// The caller then reads the whole model as a document, which reports what is wrong with it.
    /// </returns>
    public static bool TryReadAll(ReadOnlySpan<byte> json, out byte[] rest, out XGBoostTreeArrays[]? gbtree, out XGBoostTreeArrays[]? dart)
    {
        try
        {
            return TryReadAllCore(json, out rest, out gbtree, out dart);
        }
        catch (JsonException)
        {
            (rest, gbtree, dart) = ([], null, null);
            return false;
        }
    }

    private static bool TryReadAllCore(ReadOnlySpan<byte> json, out byte[] rest, out XGBoostTreeArrays[]? gbtree, out XGBoostTreeArrays[]? dart)
    {
        (rest, gbtree, dart) = ([], null, null);
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256 });
        var keys = new List<string?>(); // the key of each open container (null: the root, or an array's element)
        string? pending = null;
        var cuts = new List<(long Start, long End)>();
        long nodes = 0;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    pending = reader.GetString();
                    if (pending == "trees" && TreesPath(keys) is { } isDart)
                    {
                        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray || (isDart ? dart : gbtree) is not null)
                        {
                            return false; // left to the document path, which reports it
                        }

                        var start = reader.TokenStartIndex;
                        if (!TryReadTrees(ref reader, ref nodes, out var trees))
                        {
                            return false;
                        }

                        if (isDart)
                        {
                            dart = trees;
                        }
                        else
                        {
                            gbtree = trees;
                        }

                        cuts.Add((start, reader.BytesConsumed));
                        pending = null;
                    }

                    break;
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    keys.Add(pending);
                    pending = null;
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    keys.RemoveAt(keys.Count - 1);
                    break;
                default:
                    pending = null;
                    break;
            }
        }

        rest = Cut(json, cuts);
        return true;
    }

    /// <summary>Whether the open containers are learner.gradient_booster.model (false) or learner.gradient_booster.gbtree.model (true); null otherwise.</summary>
    private static bool? TreesPath(List<string?> keys) => keys switch
    {
        [null, "learner", "gradient_booster", "model"] => false,
        [null, "learner", "gradient_booster", "gbtree", "model"] => true,
        _ => null,
    };

    /// <summary>The document with each cut array replaced by <c>[]</c>.</summary>
    private static byte[] Cut(ReadOnlySpan<byte> json, List<(long Start, long End)> cuts)
    {
        var length = json.Length;
        foreach (var (start, end) in cuts)
        {
            length -= (int)(end - start) - 2;
        }

        var rest = new byte[length];
        var written = 0;
        var from = 0;
        foreach (var (start, end) in cuts)
        {
            json[from..(int)start].CopyTo(rest.AsSpan(written));
            written += (int)start - from;
            "[]"u8.CopyTo(rest.AsSpan(written));
            written += 2;
            from = (int)end;
        }

        json[from..].CopyTo(rest.AsSpan(written));
        return rest;
    }

    private static bool TryReadTrees(ref Utf8JsonReader reader, ref long nodes, out XGBoostTreeArrays[] trees)
    {
        var list = new List<XGBoostTreeArrays>();
        trees = [];
        var scratch = new NumberScratch();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject || list.Count == TreeLimits.MaxTrees || TryReadTree(ref reader, scratch) is not { } tree)
            {
                return false;
            }

            nodes += tree.Left.Length;
            if (nodes > TreeLimits.MaxTotalNodes)
            {
                return false;
            }

            list.Add(tree);
        }

        trees = [.. list];
        return true;
    }

    private static XGBoostTreeArrays? TryReadTree(ref Utf8JsonReader reader, NumberScratch scratch)
    {
        int[]? left = null, right = null, split = null, defaultLeft = null, splitType = null;
        float[]? condition = null;
        double[]? hessian = null, loss = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            bool read;
            if (reader.ValueTextEquals("left_children"u8))
            {
                read = left is null && scratch.TryReadInts(ref reader, out left);
            }
            else if (reader.ValueTextEquals("right_children"u8))
            {
                read = right is null && scratch.TryReadInts(ref reader, out right);
            }
            else if (reader.ValueTextEquals("split_indices"u8))
            {
                read = split is null && scratch.TryReadInts(ref reader, out split);
            }
            else if (reader.ValueTextEquals("split_conditions"u8))
            {
                read = condition is null && scratch.TryReadFloats(ref reader, out condition);
            }
            else if (reader.ValueTextEquals("default_left"u8))
            {
                read = defaultLeft is null && scratch.TryReadInts(ref reader, out defaultLeft);
            }
            else if (reader.ValueTextEquals("sum_hessian"u8))
            {
                read = hessian is null && scratch.TryReadDoubles(ref reader, out hessian);
            }
            else if (reader.ValueTextEquals("loss_changes"u8))
            {
                read = loss is null && scratch.TryReadDoubles(ref reader, out loss);
            }
            else if (reader.ValueTextEquals("split_type"u8))
            {
                read = splitType is null && scratch.TryReadInts(ref reader, out splitType);
            }
            else
            {
                reader.Skip();
                read = true;
            }

            if (!read)
            {
                return null;
            }
        }

        return left is null || right is null || split is null || condition is null || defaultLeft is null || hessian is null
            ? null
            : new XGBoostTreeArrays(left, right, split, condition, defaultLeft, hessian, loss, splitType);
    }

    /// <summary>Reads arrays of plain numbers (each parsed as the document path parses it) through one growing buffer.</summary>
    private sealed class NumberScratch
    {
        private double[] _doubles = new double[256];
        private float[] _floats = new float[256];
        private int[] _ints = new int[256];

        public bool TryReadInts(ref Utf8JsonReader reader, out int[] values) => TryRead(ref reader, ref _ints, XGBoostJsonImporter.ParseInt32, out values);

        public bool TryReadFloats(ref Utf8JsonReader reader, out float[] values) => TryRead(ref reader, ref _floats, XGBoostJsonImporter.ParseSingle, out values);

        public bool TryReadDoubles(ref Utf8JsonReader reader, out double[] values) => TryRead(ref reader, ref _doubles, XGBoostJsonImporter.ParseDouble, out values);

        private static bool TryRead<T>(ref Utf8JsonReader reader, ref T[] buffer, XGBoostJsonImporter.NumberParser<T> parse, out T[] values)
        {
            values = [];
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                return false;
            }

            var count = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.Number)
            {
                if (count == TreeLimits.MaxNodesPerTree)
                {
                    return false;
                }

                if (count == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                if (!parse(reader.ValueSpan, out buffer[count]))
                {
                    return false;
                }

                count++;
            }

            if (reader.TokenType != JsonTokenType.EndArray)
            {
                return false;
            }

            values = buffer.AsSpan(0, count).ToArray();
            return true;
        }
    }
}
