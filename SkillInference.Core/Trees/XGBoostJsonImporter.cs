using System.Buffers.Text;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace SkillInference.Trees;

/// <summary>
/// Reads XGBoost's JSON model format (<c>save_model("model.json")</c>, xgboost 1.7 and later) for
/// <c>binary:logistic</c> models with the <c>gbtree</c> or <c>dart</c> booster, trained with any tree method, with or
/// without feature names, with any base score and missing values. Everything else — other objectives, more than two
/// classes, categorical splits, <c>gblinear</c> — is refused with <see cref="ModelImportException"/>, never served wrong.
/// </summary>
internal static class XGBoostJsonImporter
{
    /// <summary>Reads what a model declares, validating that it can be served.</summary>
    /// <exception cref="ModelImportException">The model cannot be served.</exception>
    public static XGBoostModelInfo Inspect(ReadOnlySpan<byte> json) => Parse(json).Info;

    /// <summary>Compiles a model into the flat-array evaluator.</summary>
    /// <exception cref="ModelImportException">The model cannot be served.</exception>
    internal static TreeEnsemble Compile(ReadOnlySpan<byte> json) => Parse(json).Ensemble;

    internal static (XGBoostModelInfo Info, TreeEnsemble Ensemble) Parse(ReadOnlySpan<byte> json) =>
        // Most of a model is its trees' number arrays: one streaming pass reads them, and the rest (small) is read as a
        // document. A model that pass does not read exactly as the document would is read whole as a document, which
        // reports what is wrong with it.
        XGBoostTreeArrays.TryReadAll(json, out var rest, out var gbtree, out var dart)
            ? Parse(rest, new StreamedTrees(gbtree, dart))
            : ParseAsDocument(json);

    /// <summary>Reads a model whole as a document, as <see cref="Parse(ReadOnlySpan{byte})"/> does when its streaming pass declines (the tests hold the two to the same results).</summary>
    internal static (XGBoostModelInfo Info, TreeEnsemble Ensemble) ParseAsDocument(ReadOnlySpan<byte> json) => Parse(json.ToArray(), null);

    /// <summary>The tree arrays read by the streaming pass, by booster (null: the document holds none there).</summary>
    private sealed record StreamedTrees(XGBoostTreeArrays[]? Gbtree, XGBoostTreeArrays[]? Dart);

    private static (XGBoostModelInfo Info, TreeEnsemble Ensemble) Parse(byte[] json, StreamedTrees? streamed)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException ex)
        {
            throw Malformed($"it is not JSON ({ex.Message})", ex);
        }

        using (document)
        {
            try
            {
                return ParseLearner(document.RootElement, streamed);
            }
            catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException or OverflowException or IndexOutOfRangeException or ArgumentOutOfRangeException)
            {
                throw Malformed($"a field is missing or has the wrong type ({ex.Message})", ex);
            }
        }
    }

    private static (XGBoostModelInfo, TreeEnsemble) ParseLearner(JsonElement root, StreamedTrees? streamed)
    {
        if (!root.TryGetProperty("learner", out var learner))
        {
            throw Malformed("it has no 'learner' object (is this an XGBoost JSON model saved with save_model(\"model.json\")?)");
        }

        var version = root.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.Array
            ? string.Join('.', v.EnumerateArray().Select(x => x.GetInt32().ToString(CultureInfo.InvariantCulture)))
            : "unknown";

        var objective = learner.GetProperty("objective").GetProperty("name").GetString();
        var modelParam = learner.GetProperty("learner_model_param");
        var numClass = ParseInt(modelParam, "num_class", 0);
        if (numClass > 1 || (objective?.StartsWith("multi:", StringComparison.Ordinal) ?? false))
        {
            throw new ModelImportException(ModelImportErrorKind.MultiClass, $"The model is a {Math.Max(numClass, 3)}-class classifier ({objective}); only binary:logistic models are served.");
        }

        if (objective != "binary:logistic")
        {
            throw new ModelImportException(ModelImportErrorKind.UnsupportedObjective, $"The model's objective is '{objective}'; only binary:logistic classifiers are served (their probability is what a skill score is).");
        }

        if (modelParam.TryGetProperty("num_target", out var targets) && int.Parse(targets.GetString()!, CultureInfo.InvariantCulture) > 1)
        {
            throw new ModelImportException(ModelImportErrorKind.MultiClass, "The model has several targets; only single-target binary classifiers are served.");
        }

        var featureCount = ParseInt(modelParam, "num_feature", -1);
        TreeLimits.Check(featureCount, TreeLimits.MaxFeatures, "features (num_feature)");
        var baseScore = ParseBaseScore(modelParam.GetProperty("base_score").GetString()!);
        if (!(baseScore > 0 && baseScore < 1))
        {
            throw Malformed($"base_score must be a probability in (0, 1) for binary:logistic, got {baseScore.ToString(CultureInfo.InvariantCulture)}");
        }

        // ObjFunction::ProbToMargin for binary:logistic, in float as XGBoost computes it.
        var baseMargin = -MathF.Log((1.0f / baseScore) - 1.0f);

        var booster = learner.GetProperty("gradient_booster");
        var boosterName = booster.GetProperty("name").GetString();
        JsonElement model;
        float[]? weightDrop = null;
        switch (boosterName)
        {
            case "gbtree":
                model = booster.GetProperty("model");
                break;
            case "dart":
                model = booster.GetProperty("gbtree").GetProperty("model");
                weightDrop = [.. booster.GetProperty("weight_drop").EnumerateArray().Select(w => w.GetSingle())];
                break;
            default:
                throw new ModelImportException(ModelImportErrorKind.UnsupportedModel, $"The booster is '{boosterName}'; only tree boosters (gbtree, dart) are served.");
        }

        var treeArray = model.GetProperty("trees");
        var read = boosterName == "dart" ? streamed?.Dart : streamed?.Gbtree;
        TreeLimits.Check(read?.Length ?? treeArray.GetArrayLength(), TreeLimits.MaxTrees, "trees");
        var elements = read is null ? treeArray.EnumerateArray().ToArray() : [];
        var treeCount = read?.Length ?? elements.Length;
        var parallel = model.TryGetProperty("gbtree_model_param", out var gbParam) ? ParseInt(gbParam, "num_parallel_tree", 1) : 1;
        int? bestIteration = null;
        var used = treeCount;
        if (learner.TryGetProperty("attributes", out var attributes) && attributes.TryGetProperty("best_iteration", out var best))
        {
            // scikit-learn's predict_proba uses only the trees up to the early-stopping best iteration.
            bestIteration = int.Parse(best.GetString()!, CultureInfo.InvariantCulture);
            used = Math.Min(treeCount, (bestIteration.Value + 1) * Math.Max(1, parallel));
        }

        IReadOnlyList<string>? names = learner.TryGetProperty("feature_names", out var fn) && fn.ValueKind == JsonValueKind.Array && fn.GetArrayLength() > 0
            ? [.. fn.EnumerateArray().Select(n => n.GetString() ?? "")]
            : null;
        if (names is not null && featureCount >= 0 && names.Count != featureCount)
        {
            throw Malformed($"it names {names.Count} features but declares num_feature {featureCount}");
        }

        var ensemble = read is null
            ? Build(used, t => elements[t].GetProperty("left_children").GetArrayLength(), t => ReadTree(elements[t]), featureCount, baseMargin, weightDrop?[..used], out var maxDepth)
            : Build(used, t => read[t].Left.Length, t => read[t], featureCount, baseMargin, weightDrop?[..used], out maxDepth);
        var info = new XGBoostModelInfo(ensemble.FeatureCount, names, boosterName!, used, baseScore, version, bestIteration, maxDepth);
        return (info, ensemble);
    }

    /// <summary>A tree's arrays from its document element (each read in one pass of its raw text when it can be).</summary>
    private static XGBoostTreeArrays ReadTree(JsonElement tree)
    {
        var lc = Ints(tree, "left_children");
        var rc = Ints(tree, "right_children");
        var si = Ints(tree, "split_indices");
        var sc = Floats(tree.GetProperty("split_conditions"));
        var dl = Ints(tree, "default_left");
        var hess = Doubles(tree.GetProperty("sum_hessian"));
        var loss = tree.TryGetProperty("loss_changes", out var lcs) ? Doubles(lcs) : null;
        var types = tree.TryGetProperty("split_type", out _) ? Ints(tree, "split_type") : null;
        return new XGBoostTreeArrays(lc, rc, si, sc, dl, hess, loss, types);
    }

    /// <summary>
    /// The ensemble of the first <paramref name="count"/> trees: each tree's declared node count is checked against the
    /// limits before its arrays are read (<paramref name="declared"/>, then <paramref name="read"/>).
    /// </summary>
    private static TreeEnsemble Build(int count, Func<int, int> declared, Func<int, XGBoostTreeArrays> read, int declaredFeatures, float baseMargin, float[]? weights, out int maxDepth)
    {
        var roots = new int[count];
        var feature = new List<int>();
        var threshold = new List<float>();
        var left = new List<int>();
        var right = new List<int>();
        var defaultLeft = new List<bool>();
        var value = new List<float>();
        var cover = new List<double>();
        var gains = new Dictionary<int, double>();
        var maxFeature = -1;
        maxDepth = 0;
        long totalNodes = 0;
        for (var t = 0; t < count; t++)
        {
            var offset = feature.Count;
            roots[t] = offset;
            var nodes = declared(t);
            TreeLimits.Check(nodes, TreeLimits.MaxNodesPerTree, $"nodes in tree {t}");
            totalNodes += nodes;
            TreeLimits.Check(totalNodes, TreeLimits.MaxTotalNodes, "nodes in all");
            var (lc, rc, si, sc, dl, hess, loss, types) = read(t);
            loss ??= new double[lc.Length];
            if (types is not null && types.Any(type => type != 0))
            {
                throw new ModelImportException(ModelImportErrorKind.CategoricalSplits, $"Tree {t} has categorical splits; models with categorical features (enable_categorical) are not served. Retrain with numeric (e.g. one-hot) features.");
            }

            var n = lc.Length;
            if (rc.Length != n || si.Length != n || sc.Length != n || dl.Length != n || hess.Length != n)
            {
                throw Malformed($"tree {t} has node arrays of different lengths");
            }

            for (var i = 0; i < n; i++)
            {
                var isLeaf = lc[i] == -1;
                if (!isLeaf && (lc[i] <= 0 || lc[i] >= n || rc[i] <= 0 || rc[i] >= n))
                {
                    throw Malformed($"tree {t} node {i} has children outside the tree");
                }

                feature.Add(isLeaf ? -1 : si[i]);
                threshold.Add(isLeaf ? 0 : sc[i]);
                left.Add(isLeaf ? -1 : offset + lc[i]);
                right.Add(isLeaf ? -1 : offset + rc[i]);
                defaultLeft.Add(dl[i] != 0);
                value.Add(isLeaf ? sc[i] : 0);
                cover.Add(hess[i]);
                if (!isLeaf)
                {
                    maxFeature = Math.Max(maxFeature, si[i]);
                    gains[si[i]] = gains.GetValueOrDefault(si[i]) + loss[i];
                }
            }

            // Each node reached once from the root, iteratively, before anything walks the tree.
            var splits = si;
            maxDepth = Math.Max(maxDepth, TreeLimits.CheckTree(t, 0, 0, n, lc, rc, node => lc[node] == -1, node => splits[node], declaredFeatures >= 0 ? declaredFeatures : TreeLimits.MaxFeatures));
        }

        var featureCount = declaredFeatures >= 0 ? declaredFeatures : maxFeature + 1;
        if (maxFeature >= featureCount)
        {
            throw Malformed($"a split uses feature {maxFeature} but the model declares {featureCount} features");
        }

        var importance = new double[featureCount];
        var totalGain = gains.Values.Sum();
        foreach (var (f, g) in gains)
        {
            importance[f] = totalGain > 0 ? g / totalGain : 0;
        }

        return new TreeEnsemble
        {
            Semantics = TreeSemantics.XGBoost,
            FeatureCount = featureCount,
            Roots = roots,
            Feature = [.. feature],
            Threshold = [.. threshold],
            Left = [.. left],
            Right = [.. right],
            DefaultLeft = [.. defaultLeft],
            Value = [.. value],
            Cover = [.. cover],
            BaseMargin = baseMargin,
            Dart = weights is not null,
            TreeWeights = weights,
            GainImportance = importance,
        };
    }

    // The node arrays are most of a model (hundreds of thousands of numbers): each is read from its raw text in one
    // pass (the document has been validated as JSON), not element by element; an array that holds anything but plain
    // numbers is read element by element, which reports what is wrong with it.
    private static int[] Ints(JsonElement tree, string name) =>
        Numbers(tree.GetProperty(name), ParseInt32, static x => x.ValueKind switch
        {
            JsonValueKind.True => 1,
            JsonValueKind.False => 0,
            _ => x.GetInt32(),
        });

    private static float[] Floats(JsonElement array) => Numbers(array, ParseSingle, static x => x.GetSingle());

    private static double[] Doubles(JsonElement array) => Numbers(array, ParseDouble, static x => x.GetDouble());

    /// <summary>An array's numbers from its raw text, or element by element (<paramref name="element"/>) when that fails.</summary>
    private static T[] Numbers<T>(JsonElement array, NumberParser<T> parse, Func<JsonElement, T> element)
    {
        if (array.ValueKind == JsonValueKind.Array && TryScan(JsonMarshal.GetRawUtf8Value(array), array.GetArrayLength(), parse, out T[] scanned))
        {
            return scanned;
        }

        var values = new T[array.GetArrayLength()];
        var i = 0;
        foreach (var x in array.EnumerateArray())
        {
            values[i++] = element(x);
        }

        return values;
    }

    internal delegate bool NumberParser<T>(ReadOnlySpan<byte> text, out T value);

    /// <summary>
    /// Reads a JSON array of <paramref name="length"/> numbers from its raw text, each parsed as <see cref="JsonElement"/>
    /// would parse it; false (nothing read) at anything else.
    /// </summary>
    private static bool TryScan<T>(ReadOnlySpan<byte> raw, int length, NumberParser<T> parse, out T[] values)
    {
        values = new T[length];
        var p = 1; // after '['
        for (var i = 0; i < length; i++)
        {
            while (p < raw.Length && raw[p] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or (byte)',')
            {
                p++;
            }

            // A plain loop, not IndexOfAny: a number is a few bytes, and the vectorized search is JIT'd at start-up
            // (its precompiled code is refused on a CPU with AVX-512) and runs unoptimized for the first calls.
            var end = p;
            while (end < raw.Length && raw[end] is not ((byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or (byte)',' or (byte)']'))
            {
                end++;
            }

            if (end == p || end == raw.Length || !parse(raw[p..end], out values[i]))
            {
                return false;
            }

            p = end;
        }

        return true;
    }

    internal static bool ParseInt32(ReadOnlySpan<byte> text, out int value)
    {
        if (text.SequenceEqual("true"u8) || text.SequenceEqual("false"u8))
        {
            value = text[0] == 't' ? 1 : 0;
            return true;
        }

        return Utf8Parser.TryParse(text, out value, out var consumed) && consumed == text.Length;
    }

    internal static bool ParseSingle(ReadOnlySpan<byte> text, out float value) =>
        Utf8Parser.TryParse(text, out value, out var consumed) && consumed == text.Length && float.IsFinite(value);

    internal static bool ParseDouble(ReadOnlySpan<byte> text, out double value) =>
        Utf8Parser.TryParse(text, out value, out var consumed) && consumed == text.Length && double.IsFinite(value);

    private static int ParseInt(JsonElement obj, string name, int fallback) =>
        obj.TryGetProperty(name, out var p) ? p.ValueKind == JsonValueKind.Number ? p.GetInt32() : int.Parse(p.GetString()!, CultureInfo.InvariantCulture) : fallback;

    /// <summary>Parses base_score as written by xgboost 1.x ("5E-1") or 2.x ("[5E-1]").</summary>
    internal static float ParseBaseScore(string text)
    {
        var trimmed = text.Trim().TrimStart('[').TrimEnd(']').Trim();
        return float.Parse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private static ModelImportException Malformed(string why, Exception? inner = null) =>
        new(ModelImportErrorKind.Malformed, $"The XGBoost model cannot be read: {why}.", inner);
}
